// The HTML timeline: one self-contained page (no network), the profile embedded as JSON.
// Each thread is a canvas with one column per sample, as tall as its stack is deep. A click
// selects a sample: its stack is listed, and every sample of every thread is redrawn with the
// base it shares with the selection highlighted. window.pyxray exposes the state for tests.
#include <nlohmann/json.hpp>

#include "pyxray/render.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* page_head = R"HTML(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>pyxray sample timeline</title>
<style>
body{font:13px sans-serif;margin:8px;background:#fafafa}
.thread{margin:6px 0}.thread h3{font-size:13px;margin:2px 0}
.scroll{overflow-x:auto;border:1px solid #ccc;background:#fff}
canvas{display:block;cursor:pointer}
#stack{background:#fff;border:1px solid #ccc;padding:6px;white-space:pre;min-height:2em}
#stack .shared{background:#ffe08a}
#controls button{margin-right:4px}
</style></head><body>
<h2>pyxray sample timeline</h2>
<div id="summary"></div>
<div id="controls">zoom <button id="zoom-in">+</button><button id="zoom-out">&minus;</button>
(or ctrl + wheel; scroll sideways in each timeline)</div>
<div id="threads"></div>
<h3 id="stack-title">click a sample to see its stack</h3>
<div id="stack"></div>
<script id="profile-data" type="application/json">)HTML";

constexpr const char* page_tail = R"HTML(</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("profile-data").textContent);
const state = {zoom: 4, selection: null, shared: []};
const ROW = 3, MAX_HEIGHT = 240;
const maxDepth = Math.max(1, ...data.threads.flatMap(t => t.samples.map(s => s[1].length)));
const unit = Math.min(ROW, MAX_HEIGHT / maxDepth);
const canvases = [];

function sharedBase(a, b) {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function draw(t) {
  const thread = data.threads[t], canvas = canvases[t];
  const width = Math.max(1, thread.samples.length * state.zoom);
  canvas.width = width; canvas.height = Math.ceil(maxDepth * unit) + 2;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  thread.samples.forEach((sample, i) => {
    const depth = sample[1].length, shared = state.shared[t] ? state.shared[t][i] : 0;
    const x = i * state.zoom, w = Math.max(1, state.zoom - (state.zoom > 2 ? 1 : 0));
    ctx.fillStyle = "#9db4d3";
    ctx.fillRect(x, canvas.height - depth * unit, w, (depth - shared) * unit);
    if (shared > 0) {
      ctx.fillStyle = "#f0a500";
      ctx.fillRect(x, canvas.height - shared * unit, w, shared * unit);
    }
    if (state.selection && state.selection.thread === t && state.selection.index === i) {
      ctx.fillStyle = "#c0392b";
      ctx.fillRect(x, 0, w, 2);
    }
  });
}

function select(t, i) {
  const stack = data.threads[t].samples[i][1];
  state.selection = {thread: t, index: i};
  state.shared = data.threads.map(thread => thread.samples.map(s => sharedBase(stack, s[1])));
  const sample = data.threads[t].samples[i];
  document.getElementById("stack-title").textContent =
    `${data.threads[t].label}, sample ${i} at ${sample[0].toFixed(3)} s, ${stack.length} frames (innermost first)`;
  const list = document.getElementById("stack");
  list.textContent = "";
  for (let d = stack.length - 1; d >= 0; d--) {
    const line = document.createElement("div");
    line.className = "frame";
    line.textContent = data.frames[stack[d]];
    list.appendChild(line);
  }
  canvases.forEach((_, k) => draw(k));
}

function sampleAt(t, event) {
  const rect = canvases[t].getBoundingClientRect();
  const i = Math.floor((event.clientX - rect.left) / state.zoom);
  return i >= 0 && i < data.threads[t].samples.length ? i : -1;
}

function zoom(factor) {
  state.zoom = Math.min(64, Math.max(1, Math.round(state.zoom * factor)));
  canvases.forEach((_, k) => draw(k));
}

document.getElementById("summary").textContent =
  `${data.samples} samples in ${data.duration.toFixed(2)} s, ${data.threads.length} threads`;
data.threads.forEach((thread, t) => {
  const box = document.createElement("div");
  box.className = "thread";
  const title = document.createElement("h3");
  title.textContent = `${thread.label}: ${thread.samples.length} samples`;
  const scroll = document.createElement("div");
  scroll.className = "scroll";
  const canvas = document.createElement("canvas");
  canvas.dataset.thread = t;
  canvas.addEventListener("click", e => { const i = sampleAt(t, e); if (i >= 0) select(t, i); });
  canvas.addEventListener("mousemove", e => {
    const i = sampleAt(t, e);
    canvas.title = i >= 0 ? data.frames[thread.samples[i][1].at(-1)] || "" : "";
  });
  scroll.addEventListener("wheel", e => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1.25 : 0.8);
  }, {passive: false});
  scroll.appendChild(canvas); box.append(title, scroll);
  document.getElementById("threads").appendChild(box);
  canvases.push(canvas);
  draw(t);
});
document.getElementById("zoom-in").onclick = () => zoom(2);
document.getElementById("zoom-out").onclick = () => zoom(0.5);
window.pyxray = {data, state, select, zoom};
</script></body></html>
)HTML";

std::string thread_label(const ThreadTimeline& thread) {
    std::string label = "thread " + std::to_string(thread.tid);
    return thread.name.empty() ? label : label + " (" + printable_text(thread.name) + ")";
}

std::string profile_json(const Profile& profile) {
    Json frames = Json::array();
    for (const auto& frame : profile.frames()) frames.push_back(printable_text(frame_label(frame)));
    Json threads = Json::array();
    for (const auto& thread : profile.threads()) {
        Json samples = Json::array();
        for (const auto& sample : thread.samples)
            samples.push_back(Json::array({sample.time_s, sample.stack}));
        threads.push_back({{"tid", thread.tid}, {"label", thread_label(thread)}, {"samples", samples}});
    }
    Json out{{"samples", profile.sample_count()},
             {"duration", profile.duration_s()},
             {"frames", frames},
             {"threads", threads}};
    // Inside <script>, "</script", "<!--" or "<script" in a name would change how the page
    // parses: JSON allows \u003c, \u003e and \u0026 for <, > and &, so none reaches the HTML.
    std::string text = out.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::string escaped;
    escaped.reserve(text.size());
    for (char c : text) {
        if (c == '<')
            escaped += "\\u003c";
        else if (c == '>')
            escaped += "\\u003e";
        else if (c == '&')
            escaped += "\\u0026";
        else
            escaped += c;
    }
    return escaped;
}

}  // namespace

std::string render_timeline_html(const Profile& profile, const SampleOptions& /*options*/) {
    return page_head + profile_json(profile) + page_tail;
}

}  // namespace pyxray

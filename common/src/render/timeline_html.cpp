// The HTML timeline: one self-contained page (no network), the profile embedded as JSON.
// A stack chart per thread on one time axis (samples at their real times, boxes merged where a
// function runs on), drawn into a viewport-sized canvas for the visible window only, so a
// million samples stay smooth; a click selects a sample, lists its stack and highlights in
// every sample the base it shares with it; a search, a flame graph tab, the --slow requests.
// window.pyxray exposes the data, the state and the actions for tests.
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "pyxray/render.hpp"
#include "pyxray/sampling.hpp"

namespace pyxray {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* page_head = R"HTML(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>pyxray sample timeline</title>
<style>
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:13px system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;background:#f6f7f9}
header{display:flex;align-items:baseline;gap:14px;padding:7px 12px 3px}
header h1{font-size:16px;margin:0;font-weight:600}
#summary{color:#444}
#toolbar{display:flex;align-items:center;gap:6px;padding:4px 12px 6px;border-bottom:1px solid #d5d9e0}
#toolbar button{font:inherit;padding:2px 10px;border:1px solid #b8bfca;background:#fff;border-radius:4px;cursor:pointer}
#toolbar button:disabled{opacity:.45;cursor:default}
#toolbar .tab{border-radius:4px 4px 0 0}
#toolbar .tab.active{background:#1e5ac8;color:#fff;border-color:#1e5ac8}
#toolbar .sep{width:14px}
#search{font:inherit;width:220px;padding:2px 6px;border:1px solid #b8bfca;border-radius:4px}
#search-result,#range{color:#555;white-space:nowrap}
#range{margin-left:auto;font-variant-numeric:tabular-nums}
main{flex:1;display:grid;grid-template-columns:minmax(0,1fr) 420px;min-height:0}
.view{display:flex;flex-direction:column;min-width:0;min-height:0;background:#fff}
.view[hidden]{display:none}
#axis,#overview{display:block;flex:none}
#lanes{flex:1;overflow-x:hidden;overflow-y:auto;position:relative;min-height:0}
#lanes-canvas{position:sticky;top:0;left:0;display:block;cursor:crosshair}
#flame-bar{display:flex;gap:10px;align-items:center;padding:6px 8px;border-bottom:1px solid #e3e6eb;white-space:nowrap}
#flame-info{color:#444;flex:1;min-width:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#flame-scroll{flex:1;overflow:auto;min-height:0}
#flame-canvas{display:block;cursor:pointer}
aside{border-left:1px solid #d5d9e0;overflow-y:auto;padding:4px 10px 12px;background:#fbfbfc}
aside h2{font-size:13px;margin:10px 0 4px;font-weight:600}
.hint,#stack-hint{color:#666;font-size:12px;margin-bottom:4px}
#stack .frame{display:grid;grid-template-columns:12px 1fr auto;column-gap:6px;padding:2px 4px;border-radius:3px;cursor:pointer}
#stack .frame:hover{background:#eef1f6}
#stack .frame .loc{grid-column:2/4;color:#666;font-size:11px;overflow-wrap:anywhere}
#stack .frame .fn{font-weight:500;overflow-wrap:anywhere}
#stack .frame .count{color:#888;font-size:11px;font-variant-numeric:tabular-nums}
#stack .frame.native .fn{font-style:italic}
#stack .shared{background:#fff3b0;box-shadow:inset 3px 0 #ffd000}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-top:3px;margin-right:6px;border:1px solid rgba(0,0,0,.15)}
#stack .swatch{margin-right:0}
#legend div{margin:2px 0}
.slow-link{display:block;padding:2px 0;color:#1e5ac8;text-decoration:none;overflow-wrap:anywhere}
.slow-link:hover{text-decoration:underline}
</style></head><body>
<header><h1>pyxray sample timeline</h1><span id="summary"></span></header>
<nav id="toolbar">
<button class="tab active" data-tab="timeline">Timeline</button><button class="tab" data-tab="flame">Flame graph</button>
<span class="sep"></span>
<button id="fit" class="timeline-only" title="the whole run (0)">Fit</button>
<button id="zoom-out" class="timeline-only" title="zoom out (-, ctrl+wheel)">&minus;</button>
<button id="zoom-in" class="timeline-only" title="zoom in (+, ctrl+wheel; or drag over a time range)">+</button>
<span class="sep"></span>
<input id="search" type="search" placeholder="search a function" autocomplete="off">
<span id="search-result"></span>
<span id="range"></span>
</nav>
<main id="main">
<section id="timeline-view" class="view">
<canvas id="axis"></canvas>
<div id="lanes"><canvas id="lanes-canvas"></canvas><div id="spacer"></div></div>
<canvas id="overview" title="the whole run: click or drag to move the window"></canvas>
</section>
<section id="flame-view" class="view" hidden>
<div id="flame-bar"><select id="flame-thread"></select>
<span class="hint">click a box to zoom into it, the top row (or a caller) to zoom out</span>
<span id="flame-info"></span></div>
<div id="flame-scroll"><canvas id="flame-canvas"></canvas></div>
</section>
<aside>
<h2 id="stack-title">Stack</h2><div id="stack-hint"></div><div id="stack"></div>
<h2>Slow requests</h2><div id="slow"></div>
<h2>Colours</h2><div id="legend"></div>
<div class="hint" style="margin-top:10px">Drag over the chart to zoom to a time range, double-click a box to zoom to it, click a thread's name to fold it; ctrl+wheel zooms, shift+wheel
or the strip below the chart moves in time; wheel scrolls the threads. Keys: + &minus; 0, arrows, Esc.</div>
</aside>
</main>
<script id="profile-data" type="application/json">)HTML";

constexpr const char* page_script = R"JS("use strict";
const started = performance.now();
// The data: frames [name, file, line, python], stack nodes [parent, frame] (a trie, parents
// first), per thread the sample times and each sample's leaf node, the --slow requests.
const data = JSON.parse(document.getElementById("profile-data").textContent);
const parsedMs = performance.now() - started;
const $ = id => document.getElementById(id);
const ROW = 16, HEAD = 18, GAP = 6, FONT = "11px sans-serif", MIN_SPAN = 1e-6;
const SHARED = "#ffd000", MATCH = "#e0279a", SELECTED = "#d0021b", BG = "#ffffff";
const dpr = window.devicePixelRatio || 1;

function basename(path) { const i = path.lastIndexOf("/"); return i < 0 ? path : path.slice(i + 1); }

// Frames with the same name and file (any line) are one function: boxes, the flame graph and the
// shared base work on functions; the stack panel shows the exact frames.
const frames = data.frames.map(([name, file, line, python]) =>
  ({name, file, line, python: !!python, module: basename(file)}));
const frameFunc = new Int32Array(frames.length);
let funcCount = 0;
{
  const ids = new Map();
  frames.forEach((f, i) => {
    const key = (f.python ? "p" : "n") + "\0" + f.name + "\0" + f.file;
    if (!ids.has(key)) ids.set(key, ids.size);
    frameFunc[i] = ids.get(key);
  });
  funcCount = ids.size;
}

// Function nodes ("fnodes"): the trie of stacks by function. Parents come before children.
const nodeF = new Int32Array(data.nodes.length);
const fParent = [], fFunc = [], fFrame = [], fDepth = [];
{
  const keys = new Map();
  data.nodes.forEach(([parent, frame], n) => {
    const pf = parent < 0 ? -1 : nodeF[parent];
    const key = (pf + 1) * funcCount + frameFunc[frame];
    let fn = keys.get(key);
    if (fn === undefined) {
      fn = fParent.length;
      keys.set(key, fn);
      fParent.push(pf); fFunc.push(frameFunc[frame]); fFrame.push(frame);
      fDepth.push(pf < 0 ? 0 : fDepth[pf] + 1);
    }
    nodeF[n] = fn;
  });
}
const fCount = fParent.length;
const trieMs = performance.now() - started;

// The median interval of a lane, from at most 2,000 of them.
function medianInterval(times) {
  const n = times.length - 1;
  if (n < 1) return 0;
  const step = Math.max(1, Math.ceil(n / 2000)), picked = new Float64Array(Math.ceil(n / step));
  for (let i = 1, k = 0; i <= n; i += step) picked[k++] = times[i] - times[i - 1];
  picked.sort();  // a typed array sorts numerically
  return picked[picked.length >> 1];
}

// A sample's box runs to the next sample of its thread, at most twice the median interval, so
// gaps (the thread was not sampled, or not kept by the mode) show.
let contentHeight = 0, tMax = Math.max(data.duration, 1e-3);
const threads = data.threads.map((th, t) => {
  const count = th.times.length, times = new Float64Array(count), leaves = new Int32Array(count);
  let depth = 1;
  for (let i = 0; i < count; i++) {
    times[i] = th.times[i];
    const fn = nodeF[th.stacks[i]];
    leaves[i] = fn;
    if (fDepth[fn] >= depth) depth = fDepth[fn] + 1;
  }
  const cap = 2 * (medianInterval(times) || 1 / Math.max(1, data.rate || data.requested_rate || 100));
  const ends = new Float64Array(count);
  for (let i = 0; i < count; i++)
    ends[i] = times[i] + Math.min(cap, i + 1 < count ? times[i + 1] - times[i] : cap / 2);
  if (count) tMax = Math.max(tMax, ends[count - 1]);
  const label = th.name ? `${th.name} (tid ${th.tid})` : `tid ${th.tid}`;
  return {tid: th.tid, name: th.name, label, times, ends, leaves, depth, cap, collapsed: false, top: 0, height: 0};
});
// Lanes stack up; a collapsed one keeps only its name.
function layout() {
  contentHeight = 0;
  for (const lane of threads) {
    lane.top = contentHeight;
    lane.height = HEAD + (lane.collapsed ? 0 : lane.depth * ROW) + GAP;
    contentHeight += lane.height;
  }
}
layout();

const lanesMs = performance.now() - started;
const state = {
  view: {t0: 0, t1: tMax}, selection: null, compare: null, search: "", searchResult: null,
  tab: "timeline", mark: null, drag: null, lastDrawMs: 0, draws: 0,
  flame: {thread: -1, focus: -1, boxes: []},
};
let sharedF = null, matchF = null;  // per fnode: depth shared with the selection; matches search

// ---- colours: Python in blues and violets, native in reds, one shade per module ----
function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
const colours = new Array(fCount), dimmed = new Array(fCount);
function colour(fn, dim) {
  if (colours[fn] === undefined) {
    const f = frames[fFrame[fn]], h = hash(f.module);
    let hue, sat, light;
    if (f.name.startsWith("(")) { hue = 0; sat = 0; light = 82; }
    else if (f.python) { hue = 195 + h % 75; sat = 50 + (h >> 8) % 25; light = 66 + (h >> 16) % 12; }
    else { hue = (h % 30 + 352) % 360; sat = 55 + (h >> 8) % 20; light = 68 + (h >> 16) % 10; }
    colours[fn] = `hsl(${hue},${sat}%,${light}%)`;
    dimmed[fn] = `hsl(${hue},${Math.round(sat / 3)}%,91%)`;
  }
  return dim ? dimmed[fn] : colours[fn];
}

// ---- time <-> pixels; binary searches on a lane's times ----
const lanesBox = $("lanes"), lanesCanvas = $("lanes-canvas"), axisCanvas = $("axis");
const overview = $("overview"), spacer = $("spacer");
let W = 1, H = 1;
const xOf = t => (t - state.view.t0) / (state.view.t1 - state.view.t0) * W;
const timeAt = x => state.view.t0 + x / W * (state.view.t1 - state.view.t0);
function lowerBound(a, v, lo = 0, hi = a.length) {
  while (lo < hi) { const m = (lo + hi) >> 1; if (a[m] < v) lo = m + 1; else hi = m; }
  return lo;
}
function sampleAt(t, time) {
  const lane = threads[t], i = lowerBound(lane.times, time + 1e-12) - 1;
  if (i >= 0 && time < lane.ends[i]) return i;
  return -1;
}
function laneAt(y) {  // y in content pixels
  for (let t = 0; t < threads.length; t++)
    if (y >= threads[t].top && y < threads[t].top + threads[t].height) return t;
  return -1;
}
function stackOf(t, i) {  // frame ids, root first
  const stack = [];
  for (let n = data.threads[t].stacks[i]; n >= 0; n = data.nodes[n][0]) stack.push(data.nodes[n][1]);
  return stack.reverse();
}
function funcsOf(fn) {
  const path = [];
  for (; fn >= 0; fn = fParent[fn]) path.push(fn);
  return path.reverse();
}

function setupCanvas(canvas, width, height) {
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  canvas.width = Math.max(1, Math.round(width * dpr)); canvas.height = Math.max(1, Math.round(height * dpr));
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = FONT; ctx.textBaseline = "middle";
  return ctx;
}
let lanesCtx, axisCtx, overviewCtx, charWidth = 6;
function resize() {
  W = Math.max(50, lanesBox.clientWidth); H = Math.max(50, lanesBox.clientHeight);
  lanesCtx = setupCanvas(lanesCanvas, W, H);
  axisCtx = setupCanvas(axisCanvas, W, 24);
  overviewCtx = setupCanvas(overview, W, 26);
  spacer.style.height = Math.max(0, contentHeight - H) + "px";
  charWidth = lanesCtx.measureText("abcdefghijklmnopqrstuvwxyz_").width / 27;
  draw();
}

function niceStep(span, pixels) {
  const raw = span / Math.max(1, pixels / 110), p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
function ticks() {
  const {t0, t1} = state.view, step = niceStep(t1 - t0, W), out = [];
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  for (let k = Math.ceil(t0 / step); k * step <= t1; k++) out.push([k * step, (k * step).toFixed(decimals) + " s"]);
  return out;
}

// ---- drawing: only the visible window of each visible lane ----
function fitText(text, width) {
  const n = Math.floor((width - 6) / charWidth);
  if (n < 2) return "";
  return text.length <= n ? text : text.slice(0, n - 1) + "\u2026";
}
function drawBox(ctx, fn, d, x0, x1, y0) {
  if (x1 < 0 || x0 > W) return;
  const y = y0 + HEAD + d * ROW;
  if (y + ROW < 0 || y > H) return;
  const left = Math.max(x0, -1), width = Math.max(1, Math.min(x1, W + 1) - left);
  const shown = width > 3 ? width - 1 : width;
  let fill;
  if (matchF && matchF[fn]) fill = MATCH;
  else if (sharedF && sharedF[fn] === d + 1) fill = SHARED;
  else fill = colour(fn, !!(matchF || sharedF));
  ctx.fillStyle = fill;
  ctx.fillRect(left, y, shown, ROW - 1);
  if (shown >= 20) {
    const text = fitText(frames[fFrame[fn]].name, shown);
    if (text) {
      ctx.fillStyle = fill === MATCH ? "#fff" : "#1b1b1b";
      ctx.fillText(text, left + 3, y + ROW / 2);
    }
  }
}

function drawLane(ctx, t, y0) {
  const lane = threads[t], {times, ends, leaves} = lane;
  ctx.fillStyle = "#eef1f6";
  ctx.fillRect(0, y0, W, HEAD - 2);
  if (!lane.collapsed) drawStacks(ctx, t, y0);
  // The lane's name last, over its header, always at the left edge.
  const label = `${lane.collapsed ? "\u25b8" : "\u25be"} ${lane.label} \u00b7 ${times.length} samples`;
  ctx.font = "bold " + FONT;
  ctx.fillStyle = "#eef1f6"; ctx.fillRect(0, y0, Math.min(W, ctx.measureText(label).width + 10), HEAD - 2);
  ctx.fillStyle = "#222";
  ctx.fillText(label, 4, y0 + HEAD / 2 - 1);
  ctx.font = FONT;
}

function drawStacks(ctx, t, y0) {
  const lane = threads[t], {times, ends, leaves} = lane;
  const {t0, t1} = state.view, span = t1 - t0;
  let i = Math.max(0, lowerBound(times, t0 - lane.cap) - 1);
  const end = lowerBound(times, t1);
  const openNode = new Int32Array(lane.depth).fill(-1), openX = new Float64Array(lane.depth);
  const path = new Int32Array(lane.depth);
  let openDepth = 0, lastEnd = -Infinity;
  const flush = (from, x) => {
    for (let d = from; d < openDepth; d++) drawBox(ctx, openNode[d], d, openX[d], x, y0);
    openDepth = Math.min(openDepth, from);
  };
  while (i < end) {
    const x = xOf(times[i]);
    // One sample per pixel column: the others in it would draw under a pixel.
    let j = i + 1;
    if (j < end && xOf(times[j]) < Math.floor(x) + 1)
      j = lowerBound(times, t0 + (Math.floor(x) + 1) / W * span, j, end);
    if (x > lastEnd + 0.01) flush(0, lastEnd);
    let depth = 0;
    for (let fn = leaves[i]; fn >= 0; fn = fParent[fn]) depth++;
    let fn = leaves[i];
    for (let d = depth - 1; d >= 0; d--, fn = fParent[fn]) path[d] = fn;
    let same = 0;
    while (same < openDepth && same < depth && openNode[same] === path[same]) same++;
    flush(same, x);
    for (let d = same; d < depth; d++) { openNode[d] = path[d]; openX[d] = x; }
    openDepth = depth;
    lastEnd = xOf(ends[j - 1]);
    i = j;
  }
  flush(0, lastEnd);
  const sel = state.selection;
  if (sel && sel.thread === t) {
    const x0 = xOf(times[sel.index]), x1 = xOf(ends[sel.index]);
    ctx.strokeStyle = SELECTED; ctx.lineWidth = 2;
    ctx.strokeRect(x0 - 1, y0 + HEAD - 1, Math.max(2, x1 - x0) + 2, lane.depth * ROW + 2);
  }
  const mark = state.mark;
  if (mark && mark.thread === t) {
    const x0 = xOf(mark.t0), x1 = xOf(mark.t1);
    ctx.fillStyle = "rgba(208,2,27,0.10)"; ctx.fillRect(x0, y0, x1 - x0, lane.height - GAP);
    ctx.strokeStyle = SELECTED; ctx.lineWidth = 1; ctx.strokeRect(x0, y0, x1 - x0, lane.height - GAP);
  }
}
function collapseLane(t, collapsed = !threads[t].collapsed) {
  threads[t].collapsed = collapsed;
  layout();
  spacer.style.height = Math.max(0, contentHeight - H) + "px";
  draw();
}

function drawAxis() {
  const ctx = axisCtx;
  ctx.fillStyle = "#f6f7f9"; ctx.fillRect(0, 0, W, 24);
  ctx.fillStyle = "#333"; ctx.strokeStyle = "#888"; ctx.lineWidth = 1;
  for (const [t, text] of ticks()) {
    const x = Math.round(xOf(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, 16); ctx.lineTo(x, 24); ctx.stroke();
    ctx.fillText(text, x + 3, 9);
  }
  ctx.beginPath(); ctx.moveTo(0, 23.5); ctx.lineTo(W, 23.5); ctx.stroke();
}

// The whole run below the chart: samples per slice of time, and the window shown.
const density = new Float64Array(400);
threads.forEach(lane => lane.times.forEach(t => { density[Math.min(399, Math.floor(t / tMax * 400))]++; }));
const densityMax = Math.max(1, ...density);
function drawOverview() {
  const ctx = overviewCtx, w = W / density.length;
  ctx.fillStyle = "#f6f7f9"; ctx.fillRect(0, 0, W, 26);
  ctx.fillStyle = "#9fb3cc";
  density.forEach((n, k) => { const h = 22 * n / densityMax; ctx.fillRect(k * w, 24 - h, Math.max(1, w), h); });
  const x0 = state.view.t0 / tMax * W, x1 = state.view.t1 / tMax * W;
  ctx.fillStyle = "rgba(30,90,200,0.18)"; ctx.fillRect(x0, 0, Math.max(2, x1 - x0), 26);
  ctx.strokeStyle = "#1e5ac8"; ctx.lineWidth = 1; ctx.strokeRect(x0 + 0.5, 0.5, Math.max(2, x1 - x0) - 1, 25);
}

function draw() {
  const start = performance.now(), ctx = lanesCtx;
  ctx.fillStyle = BG; ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = "#eceef2"; ctx.lineWidth = 1;
  for (const [t] of ticks()) {
    const x = Math.round(xOf(t)) + 0.5;
    ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, H); ctx.stroke();
  }
  const top = lanesBox.scrollTop;
  threads.forEach((lane, t) => {
    const y0 = lane.top - top;
    if (y0 < H && y0 + lane.height > 0) drawLane(ctx, t, y0);
  });
  if (state.drag && Math.abs(state.drag.x1 - state.drag.x0) > 1) {
    const x0 = Math.min(state.drag.x0, state.drag.x1), x1 = Math.max(state.drag.x0, state.drag.x1);
    ctx.fillStyle = "rgba(30,90,200,0.15)"; ctx.fillRect(x0, 0, x1 - x0, H);
    ctx.strokeStyle = "#1e5ac8"; ctx.strokeRect(x0 + 0.5, 0.5, x1 - x0, H - 1);
  }
  drawAxis();
  drawOverview();
  const {t0, t1} = state.view;
  $("range").textContent = `${t0.toFixed(3)} s \u2013 ${t1.toFixed(3)} s (${formatSpan(t1 - t0)})`;
  state.lastDrawMs = performance.now() - start;
  state.draws++;
}
let pending = false;
function requestDraw() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; draw(); });
}
function formatSpan(s) { return s >= 1 ? s.toFixed(2) + " s" : s >= 1e-3 ? (s * 1e3).toFixed(1) + " ms" : (s * 1e6).toFixed(0) + " \u00b5s"; }

// ---- zoom and pan ----
function zoomTo(t0, t1) {
  if (!(t1 > t0)) return;
  let span = Math.min(tMax, Math.max(MIN_SPAN, t1 - t0));
  const mid = (t0 + t1) / 2;
  let start = Math.max(0, Math.min(tMax - span, mid - span / 2));
  state.view = {t0: start, t1: start + span};
  draw();
}
function fit() { zoomTo(0, tMax); }
function zoomBy(factor, centre) {
  const {t0, t1} = state.view;
  const c = centre === undefined ? (t0 + t1) / 2 : centre;
  const span = (t1 - t0) / factor;
  const k = (c - t0) / (t1 - t0);
  const span2 = Math.min(tMax, Math.max(MIN_SPAN, span));
  let start = Math.max(0, Math.min(tMax - span2, c - k * span2));
  state.view = {t0: start, t1: start + span2};
  draw();
}
function pan(dt) { const {t0, t1} = state.view; zoomTo(t0 + dt, t1 + dt); }

// ---- selection, the shared base, search ----
function select(t, i) {
  state.selection = {thread: t, index: i};
  state.compare = null;
  const wanted = funcsOf(threads[t].leaves[i]).map(fn => fFunc[fn]);
  sharedF = new Int32Array(fCount);
  for (let fn = 0; fn < fCount; fn++) {
    const p = fParent[fn], base = p < 0 ? 0 : sharedF[p], d = fDepth[fn];
    sharedF[fn] = base === d && d < wanted.length && fFunc[fn] === wanted[d] ? d + 1 : base;
  }
  showStack();
  draw();
}
function clearSelection() { state.selection = null; state.compare = null; sharedF = null; showStack(); draw(); }
function sharedOf(t) { return sharedF ? Array.from(threads[t].leaves, fn => sharedF[fn]) : null; }

function showStack() {
  const list = $("stack"), sel = state.selection;
  list.textContent = "";
  if (!sel) {
    $("stack-title").textContent = "Stack";
    $("stack-hint").textContent = "Click a sample to see its stack; every sample then shows, in yellow, the base it shares with it.";
    return;
  }
  const lane = threads[sel.thread], stack = stackOf(sel.thread, sel.index), path = funcsOf(lane.leaves[sel.index]);
  // How many samples (all threads) share the stack up to each depth.
  const counts = new Float64Array(stack.length + 2);
  threads.forEach(l => l.leaves.forEach(fn => counts[sharedF[fn]]++));
  for (let d = stack.length; d > 0; d--) counts[d - 1] += counts[d];
  $("stack-title").textContent = `${lane.label}, sample ${sel.index} at ${lane.times[sel.index].toFixed(4)} s`;
  $("stack-hint").textContent = `${stack.length} frames, innermost first; the count is the samples sharing the stack down to that frame. Hover a sample to mark what it shares.`;
  const compared = state.compare ? state.compare.shared : 0;
  for (let d = stack.length - 1; d >= 0; d--) {
    const f = frames[stack[d]], line = document.createElement("div");
    line.className = "frame " + (f.python ? "python" : "native") + (d < compared ? " shared" : "");
    line.dataset.depth = d; line.dataset.frame = stack[d];
    const swatch = document.createElement("span"), fnName = document.createElement("span");
    const loc = document.createElement("span"), count = document.createElement("span");
    swatch.className = "swatch"; swatch.style.background = colour(path[d], false);
    fnName.className = "fn"; fnName.textContent = f.name;
    loc.className = "loc"; loc.textContent = f.python ? `${f.file}:${f.line}` : f.module;
    loc.title = f.file;
    count.className = "count"; count.textContent = counts[d + 1];
    line.append(swatch, fnName, count, loc);
    line.addEventListener("click", () => search(f.name, true));
    list.appendChild(line);
  }
}
// Marks in the stack panel the frames another sample shares with the selected one.
function compare(t, i) {
  if (!state.selection || !sharedF) return;
  if (t < 0) { state.compare = null; }
  else state.compare = {thread: t, index: i, shared: sharedF[threads[t].leaves[i]]};
  const shared = state.compare ? state.compare.shared : 0;
  for (const line of $("stack").children) line.classList.toggle("shared", Number(line.dataset.depth) < shared);
}

function search(text, fromPanel) {
  state.search = text;
  if (fromPanel) $("search").value = text;
  const needle = text.trim().toLowerCase();
  if (!needle) { matchF = null; state.searchResult = null; $("search-result").textContent = ""; }
  else {
    matchF = new Uint8Array(fCount);
    const names = new Set(), inStack = new Uint8Array(fCount);
    for (let fn = 0; fn < fCount; fn++) {
      const name = frames[fFrame[fn]].name;
      if (name.toLowerCase().includes(needle)) { matchF[fn] = 1; names.add(name); }
      inStack[fn] = matchF[fn] || (fParent[fn] >= 0 && inStack[fParent[fn]]);
    }
    let samples = 0, total = 0;
    threads.forEach(l => { total += l.leaves.length; l.leaves.forEach(fn => { samples += inStack[fn]; }); });
    state.searchResult = {text, functions: [...names].sort(), samples};
    $("search-result").textContent = `${names.size} functions, ${samples} of ${total} samples (${(100 * samples / Math.max(1, total)).toFixed(1)}%)`;
  }
  draw();
  if (state.tab === "flame") drawFlame();
}

// ---- mouse and keys on the chart ----
function contentY(e) { return e.offsetY + lanesBox.scrollTop; }
function hit(e) {
  const t = laneAt(contentY(e));
  if (t < 0 || threads[t].collapsed || contentY(e) < threads[t].top + HEAD) return null;
  const i = sampleAt(t, timeAt(e.offsetX));
  return i < 0 ? null : {thread: t, index: i};
}
lanesCanvas.addEventListener("mousedown", e => {
  if (e.button !== 0) return;
  state.drag = {x0: e.offsetX, x1: e.offsetX};
  e.preventDefault();
});
lanesCanvas.addEventListener("mousemove", e => {
  if (state.drag) { state.drag.x1 = e.offsetX; requestDraw(); return; }
  const found = hit(e), t = laneAt(contentY(e));
  lanesCanvas.title = t >= 0 && contentY(e) < threads[t].top + HEAD ? "click to fold or unfold this thread" : "";
  if (found) {
    const lane = threads[found.thread], leaf = lane.leaves[found.index];
    const d = Math.floor((contentY(e) - lane.top - HEAD) / ROW);
    const path = funcsOf(leaf), fn = d >= 0 && d < path.length ? path[d] : leaf;
    const f = frames[fFrame[fn]];
    lanesCanvas.title = `${f.name}  ${f.python ? f.file : f.module}\n${lane.label} at ${lane.times[found.index].toFixed(4)} s`;
    if (state.selection) compare(found.thread, found.index);
  }
});
window.addEventListener("mouseup", e => {
  const drag = state.drag;
  if (!drag) return;
  state.drag = null;
  if (Math.abs(drag.x1 - drag.x0) >= 4) {
    zoomTo(timeAt(Math.min(drag.x0, drag.x1)), timeAt(Math.max(drag.x0, drag.x1)));
    return;
  }
  if (e.target !== lanesCanvas) { draw(); return; }
  const t = laneAt(contentY(e));
  if (t >= 0 && contentY(e) < threads[t].top + HEAD) { collapseLane(t); return; }  // its name
  const found = hit(e);
  if (found) select(found.thread, found.index); else clearSelection();
});
// A double click zooms to the box under the pointer: the run of samples with that function
// (and the same callers) at that depth.
function boxExtent(t, i, d) {
  const lane = threads[t], fn = funcsOf(lane.leaves[i])[d];
  if (fn === undefined) return null;
  const has = k => { let n = lane.leaves[k]; while (n >= 0 && fDepth[n] > d) n = fParent[n]; return n === fn; };
  let first = i, last = i;
  while (first > 0 && lane.ends[first - 1] >= lane.times[first] - 1e-12 && has(first - 1)) first--;
  while (last + 1 < lane.times.length && lane.ends[last] >= lane.times[last + 1] - 1e-12 && has(last + 1)) last++;
  return [lane.times[first], lane.ends[last]];
}
lanesCanvas.addEventListener("dblclick", e => {
  const found = hit(e);
  if (!found) return;
  const lane = threads[found.thread], d = Math.floor((contentY(e) - lane.top - HEAD) / ROW);
  const extent = d >= 0 ? boxExtent(found.thread, found.index, d) : null;
  if (extent) zoomTo(extent[0], extent[1]);
});
lanesBox.addEventListener("wheel", e => {
  if (e.ctrlKey) {
    e.preventDefault();
    zoomBy(e.deltaY < 0 ? 1.25 : 0.8, timeAt(e.offsetX));
  } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
    e.preventDefault();
    pan((e.shiftKey ? e.deltaY || e.deltaX : e.deltaX) / W * (state.view.t1 - state.view.t0));
  }
}, {passive: false});
lanesBox.addEventListener("scroll", requestDraw);
function overviewJump(e) {
  const span = state.view.t1 - state.view.t0, c = e.offsetX / W * tMax;
  zoomTo(c - span / 2, c + span / 2);
}
let overviewDrag = false;
overview.addEventListener("mousedown", e => { overviewDrag = true; overviewJump(e); });
overview.addEventListener("mousemove", e => { if (overviewDrag && e.buttons) overviewJump(e); });
window.addEventListener("mouseup", () => { overviewDrag = false; });
window.addEventListener("keydown", e => {
  if (e.target.tagName === "INPUT" || state.tab !== "timeline") return;
  const span = state.view.t1 - state.view.t0;
  if (e.key === "+" || e.key === "=") zoomBy(2);
  else if (e.key === "-") zoomBy(0.5);
  else if (e.key === "0") fit();
  else if (e.key === "ArrowLeft") pan(-span / 5);
  else if (e.key === "ArrowRight") pan(span / 5);
  else if (e.key === "Escape") clearSelection();
});
// Layout settles after this script runs (and on every resize): size the canvases then.
new ResizeObserver(() => { if (state.tab === "timeline") resize(); else drawFlame(); }).observe($("main"));

// ---- the flame graph: all samples of a thread (or every thread) by function path ----
let children = null, roots = null;  // built when the tab is first shown
function buildChildren() {
  children = Array.from({length: fCount}, () => []); roots = [];
  for (let fn = 0; fn < fCount; fn++) (fParent[fn] < 0 ? roots : children[fParent[fn]]).push(fn);
  const byName = (a, b) => { const x = frames[fFrame[a]].name, y = frames[fFrame[b]].name; return x < y ? -1 : x > y ? 1 : a - b; };
  roots.sort(byName); children.forEach(list => { if (list.length > 1) list.sort(byName); });
}
let flameTotals = null, flameThread = null;
function flameCounts(thread) {
  const totals = new Float64Array(fCount);
  (thread < 0 ? threads : [threads[thread]]).forEach(l => l.leaves.forEach(fn => totals[fn]++));
  for (let fn = fCount - 1; fn >= 0; fn--) if (fParent[fn] >= 0) totals[fParent[fn]] += totals[fn];
  return totals;
}
const flameCanvas = $("flame-canvas");
function drawFlame() {
  const f = state.flame;
  if (!children) buildChildren();
  if (flameThread !== f.thread) { flameTotals = flameCounts(f.thread); flameThread = f.thread; }
  const totals = flameTotals, width = Math.max(50, $("flame-scroll").clientWidth);
  // A canvas past 32,767 px is not drawn at all: a deeper graph loses its deepest rows instead.
  const maxDepth = Math.min(Math.floor(32000 / dpr / ROW) - 2, Math.max(1, ...threads.map(l => l.depth)));
  const ctx = setupCanvas(flameCanvas, width, (maxDepth + 2) * ROW + 4);
  ctx.fillStyle = BG; ctx.fillRect(0, 0, width, flameCanvas.height);
  const boxes = [];
  const all = (f.thread < 0 ? threads : [threads[f.thread]]).reduce((n, l) => n + l.leaves.length, 0);
  const put = (fn, x, w, row, label, fill) => {
    const y = row * ROW;
    ctx.fillStyle = fill; ctx.fillRect(x, y, Math.max(1, w > 3 ? w - 1 : w), ROW - 1);
    const text = fitText(label, w);
    if (text) { ctx.fillStyle = fill === MATCH ? "#fff" : "#1b1b1b"; ctx.fillText(text, x + 3, y + ROW / 2); }
    boxes.push({node: fn, name: fn < 0 ? "all" : frames[fFrame[fn]].name, x, y, w, h: ROW - 1, samples: fn < 0 ? all : totals[fn]});
  };
  const fillOf = fn => matchF && matchF[fn] ? MATCH : colour(fn, false);
  put(-1, 0, width, 0, `all: ${all} samples` + (f.thread < 0 ? ", every thread" : `, ${threads[f.thread].label}`), "#d9dde3");
  let row = 1, list = roots, scale = width / Math.max(1, all);
  if (f.focus >= 0) {
    const path = funcsOf(f.focus);
    path.forEach(fn => put(fn, 0, width, row++, frames[fFrame[fn]].name, fillOf(fn)));
    list = children[f.focus]; scale = width / Math.max(1, totals[f.focus]);
  }
  const walk = (list, x0, row) => {
    if (row > maxDepth + 1) return;
    let x = x0;
    for (const fn of list) {
      const w = totals[fn] * scale;
      if (totals[fn] === 0) continue;
      if (w >= 0.5) { put(fn, x, w, row, frames[fFrame[fn]].name, fillOf(fn)); if (w >= 2) walk(children[fn], x, row + 1); }
      x += w;
    }
  };
  walk(list, 0, row);
  f.boxes = boxes;
}
function flameAt(x, y) {
  let found = null;
  for (const b of state.flame.boxes) if (x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + ROW) found = b;
  return found;
}
function flameZoom(node) { state.flame.focus = node; drawFlame(); }
flameCanvas.addEventListener("click", e => {
  const b = flameAt(e.offsetX, e.offsetY);
  if (b) flameZoom(b.node);
});
flameCanvas.addEventListener("mousemove", e => {
  const b = flameAt(e.offsetX, e.offsetY);
  if (!b) { $("flame-info").textContent = ""; return; }
  const total = state.flame.boxes[0].samples;
  const where = b.node < 0 ? "" : (f => f.python ? ` (${f.file})` : ` (${f.module})`)(frames[fFrame[b.node]]);
  $("flame-info").textContent = `${b.name}${where}: ${b.samples} samples, ${(100 * b.samples / Math.max(1, total)).toFixed(1)}%`;
});
{
  const chooser = $("flame-thread");
  const option = (value, text) => { const o = document.createElement("option"); o.value = value; o.textContent = text; chooser.appendChild(o); };
  option(-1, "all threads");
  threads.forEach((l, t) => option(t, l.label));
  chooser.addEventListener("change", () => { state.flame.thread = Number(chooser.value); state.flame.focus = -1; drawFlame(); });
}
function flameThreadTo(t) { $("flame-thread").value = t; state.flame.thread = t; state.flame.focus = -1; drawFlame(); }

function showTab(tab) {
  state.tab = tab;
  $("timeline-view").hidden = tab !== "timeline";
  $("flame-view").hidden = tab !== "flame";
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const b of document.querySelectorAll(".timeline-only")) b.disabled = tab !== "timeline";
  if (tab === "flame") drawFlame(); else resize();
}

// ---- the --slow requests: each a link to its time range on its lane ----
function showSlow(k) {
  const r = data.slow[k], lane = threads[r.thread];
  const t1 = lane.ends[r.last], pad = (t1 - r.start) * 0.1;
  state.mark = {thread: r.thread, t0: r.start, t1, request: k};
  if (state.tab !== "timeline") showTab("timeline");
  lanesBox.scrollTop = Math.max(0, lane.top - 4);
  select(r.thread, r.first);
  zoomTo(r.start - pad, t1 + pad);
}
function listSlow() {
  const box = $("slow");
  box.textContent = "";
  if (data.slow_ms === null || data.slow_ms === undefined) {
    box.textContent = "Run with --slow MS to list the requests that took longer than MS here.";
    return;
  }
  const head = document.createElement("div");
  head.className = "hint";
  head.textContent = `${data.slow.length} requests kept their base for longer than ${data.slow_ms} ms:`;
  box.appendChild(head);
  data.slow.forEach((r, k) => {
    const a = document.createElement("a"), f = frames[r.base[r.base.length - 1]];
    a.href = "#"; a.className = "slow-link"; a.dataset.index = k;
    a.textContent = `${threads[r.thread].label}: ${f.name} \u2014 ${r.ms.toFixed(0)} ms at ${r.start.toFixed(3)} s`;
    a.addEventListener("click", e => { e.preventDefault(); showSlow(k); });
    box.appendChild(a);
  });
}

function legend() {
  const box = $("legend");
  const item = (fill, text) => {
    const line = document.createElement("div"), swatch = document.createElement("span");
    swatch.className = "swatch"; swatch.style.background = fill;
    line.append(swatch, document.createTextNode(text));
    box.appendChild(line);
  };
  item("hsl(215,60%,72%)", "Python, a shade per file");
  item("hsl(5,62%,72%)", "native, a shade per module");
  item(SHARED, "the base a sample shares with the selected one");
  item(MATCH, "functions matching the search");
}

document.getElementById("summary").textContent =
  `mode ${data.mode} \u00b7 ${data.samples} samples \u00b7 ${data.duration.toFixed(2)} s \u00b7 ` +
  `${data.rate.toFixed(1)} samples/s (asked ${data.requested_rate}/s) \u00b7 ${threads.length} threads, ` +
  `${data.thread_stacks} thread stacks` + (data.native_lost ? ` \u00b7 ${data.native_lost} without their native part` : "");
$("fit").onclick = fit;
$("zoom-in").onclick = () => zoomBy(2);
$("zoom-out").onclick = () => zoomBy(0.5);
$("search").addEventListener("input", e => search(e.target.value));
for (const b of document.querySelectorAll(".tab")) b.onclick = () => showTab(b.dataset.tab);
legend();
listSlow();
showStack();
resize();
state.loadMs = {parse: parsedMs, trie: trieMs, lanes: lanesMs, total: performance.now() - started};
window.pyxray = {
  data, state, threads, frames, zoomTo, zoomBy, fit, pan, select, clearSelection, compare, sharedOf,
  stackOf, funcPath: fn => funcsOf(fn).map(n => (f => [f.name, f.file, f.python ? 1 : 0])(frames[fFrame[n]])),
  search, showTab, flameZoom, flameThread: flameThreadTo, showSlow, draw, xOf, timeAt,
  sampleAt, boxExtent, collapseLane, ticks, laneTop: t => threads[t].top - lanesBox.scrollTop, HEAD, ROW,
  pixel(x, y) {  // the chart's colour at CSS pixel (x, y): [r, g, b]
    const p = lanesCtx.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data;
    return [p[0], p[1], p[2]];
  },
};
)JS";

constexpr const char* page_tail = "</script></body></html>\n";

// Stacks as a trie of [parent, frame] nodes (parents first): a sample is one number, and the
// page merges runs of the same node at a depth into one box.
class StackNodes {
public:
    uint32_t leaf_of(const std::vector<uint32_t>& stack) {
        int64_t parent = -1;
        for (uint32_t frame : stack) parent = child(parent, frame);
        return static_cast<uint32_t>(parent);
    }
    const Json& json() const { return nodes_; }

private:
    int64_t child(int64_t parent, uint32_t frame) {
        uint64_t key = (static_cast<uint64_t>(parent + 1) << 32) | frame;
        auto [it, added] = ids_.try_emplace(key, static_cast<int64_t>(ids_.size()));
        if (added) nodes_.push_back(Json::array({parent, frame}));
        return it->second;
    }
    std::unordered_map<uint64_t, int64_t> ids_;
    Json nodes_ = Json::array();
};

// Microseconds are finer than any sampler's clock and keep a million times short.
double rounded_time(double seconds) { return std::round(seconds * 1e6) / 1e6; }

Json frames_json(const Profile& profile) {
    Json frames = Json::array();
    for (const auto& frame : profile.frames())
        frames.push_back(Json::array(
            {printable_text(frame.name), printable_text(frame.file), frame.line, frame.python ? 1 : 0}));
    return frames;
}

Json threads_json(const Profile& profile, StackNodes& nodes) {
    Json threads = Json::array();
    for (const auto& thread : profile.threads()) {
        Json times = Json::array(), stacks = Json::array();
        for (const auto& sample : thread.samples) {
            times.push_back(rounded_time(sample.time_s));
            stacks.push_back(nodes.leaf_of(sample.stack));
        }
        threads.push_back({{"tid", thread.tid},
                           {"name", printable_text(thread.name)},
                           {"times", std::move(times)},
                           {"stacks", std::move(stacks)}});
    }
    return threads;
}

Json slow_json(const Profile& profile, const SampleOptions& options) {
    Json slow = Json::array();
    if (!options.slow_ms) return slow;
    for (const SlowRequest& request : find_slow_requests(profile, *options.slow_ms))
        slow.push_back({{"thread", request.thread},
                        {"first", request.first},
                        {"last", request.last},
                        {"start", rounded_time(request.first_s)},
                        {"end", rounded_time(request.last_s)},
                        {"ms", request.duration_ms()},
                        {"base", request.base}});
    return slow;
}

// Inside <script>, "</script", "<!--" or "<script" in a name would change how the page parses:
// JSON allows \u003c, \u003e and \u0026 for <, > and &, so none reaches the HTML.
std::string script_safe(const std::string& text) {
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

std::string profile_json(const Profile& profile, const SampleOptions& options) {
    StackNodes nodes;
    Json threads = threads_json(profile, nodes);
    Json out{{"version", 2},
             {"mode", profile.mode_label()},
             {"samples", profile.sample_count()},
             {"thread_stacks", profile.stack_count()},
             {"duration", profile.duration_s()},
             {"rate", profile.achieved_rate()},
             {"requested_rate", options.rate_hz},
             {"native_lost", profile.native_lost()},
             {"slow_ms", options.slow_ms ? Json(*options.slow_ms) : Json(nullptr)},
             {"frames", frames_json(profile)},
             {"nodes", nodes.json()},
             {"threads", std::move(threads)},
             {"slow", slow_json(profile, options)}};
    return script_safe(out.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace

std::string render_timeline_html(const Profile& profile, const SampleOptions& options) {
    return page_head + profile_json(profile, options) + "</script>\n<script>\n" + page_script + page_tail;
}

}  // namespace pyxray

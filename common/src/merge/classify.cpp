#include "merge/classify.hpp"

#include <algorithm>
#include <array>

namespace pyxray {
namespace {

// Calls between a Python caller and its callee that say nothing a Python frame does not:
// the vectorcall machinery and the eval loop's own entry points.
constexpr std::array<std::string_view, 42> kPlumbing = {
    "_PyEval_Vector",
    "_PyEval_EvalFrame",
    "PyEval_EvalCode",
    "PyEval_EvalCodeEx",
    "_PyFunction_Vectorcall",
    "_PyObject_VectorcallTstate",
    "PyObject_Vectorcall",
    "PyObject_VectorcallMethod",
    "PyObject_VectorcallDict",
    "_PyObject_FastCallDictTstate",
    "_PyObject_Call",
    "PyObject_Call",
    "_PyObject_Call_Prepend",
    "_PyObject_MakeTpCall",
    "_PyVectorcall_Call",
    "PyVectorcall_Call",
    "PyObject_CallOneArg",
    "PyObject_CallNoArgs",
    "_PyObject_CallNoArgs",
    "PyObject_CallObject",
    "PyObject_CallFunctionObjArgs",
    "PyObject_CallMethodObjArgs",
    "object_vacall",
    "method_vectorcall",
    "cfunction_call",
    "cfunction_vectorcall_NOARGS",
    "cfunction_vectorcall_O",
    "cfunction_vectorcall_FASTCALL",
    "cfunction_vectorcall_FASTCALL_KEYWORDS",
    "cfunction_vectorcall_FASTCALL_KEYWORDS_METHOD",
    "method_vectorcall_NOARGS",
    "method_vectorcall_O",
    "method_vectorcall_FASTCALL",
    "method_vectorcall_FASTCALL_KEYWORDS",
    "method_vectorcall_FASTCALL_KEYWORDS_METHOD",
    "method_vectorcall_VARARGS",
    "method_vectorcall_VARARGS_KEYWORDS",
    "slot_tp_call",
    // 3.8-3.9: the function-call path into each frame's own eval loop
    "_PyEval_EvalCode",
    "_PyEval_EvalCodeWithName",
    "function_code_fastcall",
    "call_function",
};

}  // namespace

std::string_view base_symbol_name(std::string_view name) {
    auto dot = name.find('.');
    return dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot);
}

std::string_view without_symbol_version(std::string_view name) {
    auto at = name.find('@');
    return at == std::string_view::npos || at == 0 ? name : name.substr(0, at);
}

NativeRole classify_native(std::string_view function) {
    std::string_view name = base_symbol_name(function);
    if (name == "_PyEval_EvalFrameDefault") return NativeRole::EvalLoop;
    if (std::find(kPlumbing.begin(), kPlumbing.end(), name) != kPlumbing.end()) return NativeRole::Plumbing;
    return NativeRole::Other;
}

}  // namespace pyxray

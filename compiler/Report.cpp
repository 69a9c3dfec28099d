// Renders --report's HTML page: model summary, sizes, compile phases, kernels, and the memory plan as an SVG timeline.
#include "compiler/Report.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace onnxc {

namespace {

std::string escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string bytesText(uint64_t b) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (b >= (1u << 20))
    os << llvm::format("%.2f MiB", b / 1048576.0);
  else if (b >= 1024)
    os << llvm::format("%.1f KiB", b / 1024.0);
  else
    os << b << " B";
  return s;
}

std::string flopsText(int64_t f) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (f >= 1000000000)
    os << llvm::format("%.2f G", f / 1e9);
  else if (f >= 1000000)
    os << llvm::format("%.2f M", f / 1e6);
  else if (f >= 1000)
    os << llvm::format("%.1f k", f / 1e3);
  else
    os << f;
  return s;
}

const char *typeName(int32_t t) {
  switch (t) {
  case 1: return "float32";
  case 2: return "uint8";
  case 3: return "int8";
  case 4: return "uint16";
  case 5: return "int16";
  case 6: return "int32";
  case 7: return "int64";
  case 9: return "bool";
  case 10: return "float16";
  case 11: return "float64";
  case 12: return "uint32";
  case 13: return "uint64";
  case 16: return "bfloat16";
  default: return "other";
  }
}

std::string shapeText(const TensorSignature &t) {
  std::string s = "[";
  for (size_t i = 0; i < t.dims.size(); ++i)
    s += (i ? ", " : "") + (t.dims[i] < 0 ? "&le;" + std::to_string(t.maxDims[i]) : std::to_string(t.dims[i]));
  return s + "]";
}

/// A stable, readable color per name.
std::string colorOf(const std::string &name) {
  unsigned h = 2166136261u;
  for (char c : name)
    h = (h ^ (unsigned char)c) * 16777619u;
  return "hsl(" + std::to_string(h % 360) + ",55%,55%)";
}

constexpr const char *kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px 32px;color:#1d2330;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
.sub{color:#5b6474;margin:0 0 16px}code{font:12.5px ui-monospace,Menlo,Consolas,monospace}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:19px}.card span{color:#5b6474;font-size:12px}
table{border-collapse:collapse;background:#fff;border:1px solid #dde1e7}th,td{padding:4px 10px;text-align:left;border-bottom:1px solid #eef0f3;vertical-align:top}
th{background:#f1f3f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{height:10px;background:#4c7ee8;border-radius:2px}.yes{color:#1a7f37;font-weight:600}.no{color:#8a94a6}
.cols{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}.kernels td.name{max-width:420px;word-break:break-all}
svg text{font:11px system-ui,sans-serif;fill:#5b6474}
)";

} // namespace

std::string renderReport(const ReportData &d) {
  std::string html;
  llvm::raw_string_ostream os(html);
  int64_t totalFlops = 0;
  for (const ReportKernel &k : d.kernels)
    totalFlops += k.flops;
  uint64_t bufferSum = 0;
  for (const ReportBuffer &b : d.buffers)
    bufferSum += b.bytes;
  double compileSeconds = 0;
  for (auto &p : d.phaseSeconds)
    compileSeconds += p.second;

  os << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>onnxc report: "
     << escape(d.signature.name) << "</title><style>" << kStyle << "</style></head><body>\n";
  os << "<h1>onnxc report: <code>" << escape(d.signature.name) << "</code></h1>\n<p class=\"sub\">"
     << escape(d.modelName) << " &middot; target <b>" << escape(d.target) << "</b> &middot; onnxc "
     << escape(d.onnxcVersion);
  if (!d.producer.empty())
    os << " &middot; exported by " << escape(d.producer);
  os << "</p>\n<div class=\"cards\">";
  auto card = [&](const std::string &value, const std::string &label) {
    os << "<div class=\"card\"><b>" << value << "</b><span>" << label << "</span></div>";
  };
  int nodes = 0;
  for (auto &c : d.nodeCounts)
    nodes += c.second;
  card(std::to_string(nodes), "ONNX nodes");
  card(std::to_string(d.kernels.size()), "kernels");
  card(flopsText(totalFlops) + "FLOP", "arithmetic per run");
  card(bytesText(d.textBytes), "code (flash): .text");
  card(bytesText(d.constantBytes), "weights and constants (flash)");
  card(bytesText(d.signature.workspaceSize), "workspace (RAM), for " + bytesText(bufferSum) + " of buffers");
  card(llvm::formatv("{0:F1} s", compileSeconds).str(), "compile time");
  os << "</div>\n";

  // The model.
  os << "<h2>Model</h2>\n<div class=\"cols\"><div><table><tr><th></th><th>name</th><th>type</th><th>shape</th></tr>";
  auto tensors = [&](const char *kind, const std::vector<TensorSignature> &ts) {
    for (const TensorSignature &t : ts)
      os << "<tr><td>" << kind << "</td><td><code>" << escape(t.name) << "</code></td><td>" << typeName(t.elemType)
         << "</td><td><code>" << shapeText(t) << "</code></td></tr>";
  };
  tensors("input", d.signature.inputs);
  tensors("output", d.signature.outputs);
  os << "</table><p>Opsets: ";
  for (size_t i = 0; i < d.opsets.size(); ++i)
    os << (i ? ", " : "") << (d.opsets[i].first.empty() ? "ai.onnx" : escape(d.opsets[i].first)) << " "
       << d.opsets[i].second;
  os << "</p></div><div><table><tr><th>op type</th><th>nodes</th><th></th></tr>";
  std::vector<std::pair<std::string, int>> counts(d.nodeCounts.begin(), d.nodeCounts.end());
  std::stable_sort(counts.begin(), counts.end(), [](auto &a, auto &b) { return a.second > b.second; });
  int most = counts.empty() ? 1 : counts.front().second;
  for (auto &[type, n] : counts)
    os << "<tr><td>" << escape(type) << "</td><td class=\"n\">" << n << "</td><td><div class=\"bar\" style=\"width:"
       << 120 * n / most << "px\"></div></td></tr>";
  os << "</table></div></div>\n";

  // Compile phases.
  os << "<h2>Compile phases</h2>\n<table><tr><th>phase</th><th>seconds</th><th></th></tr>";
  double longest = 1e-9;
  for (auto &p : d.phaseSeconds)
    longest = std::max(longest, p.second);
  for (auto &[name, s] : d.phaseSeconds)
    os << "<tr><td>" << escape(name) << "</td><td class=\"n\">" << llvm::format("%.3f", s)
       << "</td><td><div class=\"bar\" style=\"width:" << int(240 * s / longest) << "px\"></div></td></tr>";
  os << "</table>\n";

  // Kernels.
  os << "<h2>Kernels</h2>\n<p class=\"sub\">In run order. A kernel is a run of loop nests from the same ONNX nodes; "
        "FLOPs are those of the nodes it holds most of, bytes those of the buffers it reads and writes.</p>\n"
        "<table class=\"kernels\"><tr><th>#</th><th>ONNX nodes</th><th>FLOP</th><th>bytes</th><th>FLOP/byte</th>"
        "<th>register tile</th><th>vectorized</th><th>parallel</th></tr>";
  for (size_t i = 0; i < d.kernels.size(); ++i) {
    const ReportKernel &k = d.kernels[i];
    std::string nodesList;
    for (const std::string &n : k.nodes)
      nodesList += (nodesList.empty() ? "" : ", ") + n;
    os << "<tr><td class=\"n\">" << i << "</td><td class=\"name\"><code>"
       << escape(nodesList.empty() ? k.name : nodesList) << "</code></td><td class=\"n\">" << flopsText(k.flops)
       << "</td><td class=\"n\">" << bytesText(k.bytes) << "</td><td class=\"n\">"
       << (k.bytes ? llvm::formatv("{0:F1}", double(k.flops) / k.bytes).str() : "") << "</td><td>"
       << escape(k.tile.empty() ? "-" : k.tile) << "</td><td class=\"" << (k.vectorized ? "yes\">yes" : "no\">no")
       << "</td><td class=\"" << (k.parallel ? "yes\">yes" : "no\">no") << "</td></tr>";
  }
  os << "</table>\n";

  // The memory plan.
  os << "<h2>Memory plan</h2>\n<p class=\"sub\">Each bar is a buffer in the workspace: from the op that first uses it "
        "to the last one (x), at its offset (y). Buffers that never live at the same time share bytes: the workspace "
        "is <b>"
     << bytesText(d.signature.workspaceSize) << "</b> for " << d.buffers.size() << " buffers totalling <b>"
     << bytesText(bufferSum) << "</b>.</p>\n";
  const int width = 1000, height = 360, left = 70, bottom = 24;
  double xScale = double(width - left - 10) / std::max<int64_t>(d.points, 1);
  double yScale = double(height - bottom - 10) / std::max<uint64_t>(d.signature.workspaceSize, 1);
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
     << "\" role=\"img\" aria-label=\"memory plan\"><rect x=\"" << left << "\" y=\"10\" width=\"" << width - left - 10
     << "\" height=\"" << height - bottom - 10 << "\" fill=\"#fff\" stroke=\"#dde1e7\"/>";
  for (const ReportBuffer &b : d.buffers) {
    double x = left + b.start * xScale, w = std::max(2.0, (b.end - b.start + 1) * xScale);
    double y = height - bottom - (b.offset + b.bytes) * yScale, h = std::max(1.0, b.bytes * yScale);
    os << "<rect x=\"" << llvm::format("%.1f", x) << "\" y=\"" << llvm::format("%.1f", y) << "\" width=\""
       << llvm::format("%.1f", w) << "\" height=\"" << llvm::format("%.1f", h) << "\" fill=\""
       << colorOf(b.nodes) << "\" fill-opacity=\"0.85\" stroke=\"#1d2330\" stroke-width=\"0.3\"><title>"
       << escape(b.nodes.empty() ? "(buffer)" : b.nodes) << ": " << bytesText(b.bytes) << " at offset " << b.offset
       << ", ops " << b.start << "-" << b.end << "</title></rect>";
    // Bars with room name their first node: the longest tail of its path that fits.
    std::string label = b.nodes.substr(0, b.nodes.find('+'));
    while (w <= 6.5 * label.size() && label.find('/', 1) != std::string::npos)
      label = label.substr(label.find('/', 1));
    if (w > 6.5 * label.size() && h > 13 && !label.empty())
      os << "<text x=\"" << llvm::format("%.1f", x + 3) << "\" y=\"" << llvm::format("%.1f", y + 12)
         << "\" style=\"fill:#1d2330\">" << escape(label) << "</text>";
  }
  os << "<text x=\"" << left - 6 << "\" y=\"" << height - bottom << "\" text-anchor=\"end\">0</text><text x=\""
     << left - 6 << "\" y=\"18\" text-anchor=\"end\">" << bytesText(d.signature.workspaceSize) << "</text><text x=\""
     << left << "\" y=\"" << height - 6 << "\">first op</text><text x=\"" << width - 10 << "\" y=\"" << height - 6
     << "\" text-anchor=\"end\">last op (" << d.points << " top-level ops)</text></svg>\n";
  os << "</body></html>\n";
  return html;
}

} // namespace onnxc

#include "monitor/dashboard_page.hpp"

#include <string_view>

namespace clab::monitor {
namespace {

constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ClusterLab: @TITLE@</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.2em 2em; color: #222; background: #fafafa; }
  h1 { font-size: 1.4em; margin: 0 0 .2em; }
  .muted { color: #777; }
  .totals { display: flex; gap: 2.5em; margin: .8em 0 1em; }
  .totals div b { display: block; font-size: 1.6em; }
  table { border-collapse: collapse; background: #fff; }
  th, td { padding: .25em .7em; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
  th { background: #f0f0f0; font-weight: 600; }
  td.text, th.text { text-align: left; }
  tr.bad td { background: #fde8e8; }
  .charts { display: grid; grid-template-columns: repeat(2, minmax(380px, 1fr)); gap: 1em; margin: 1em 0; }
  .chart { background: #fff; border: 1px solid #e4e4e4; padding: .5em; }
  .chart h2, section h2 { font-size: 1em; margin: 0 0 .3em; }
  svg { width: 100%; height: 150px; }
  .bar { height: 1.2em; background: #4e79a7; color: #fff; font-size: .85em; padding-left: .3em; }
  #timeline { list-style: none; padding: 0; max-height: 16em; overflow-y: auto; background: #fff; border: 1px solid #e4e4e4; }
  #timeline li { padding: .15em .6em; border-bottom: 1px solid #f0f0f0; }
  #timeline li[data-kind="hung"], #timeline li[data-kind="suspect"] { color: #b00; }
  #timeline li[data-kind="respawn"], #timeline li[data-kind="exit"] { color: #a60; }
  .legend span { margin-right: 1em; }
</style>
</head>
<body>
<h1>ClusterLab: <span id="title">@TITLE@</span></h1>
<div class="muted">updated <span id="updated">never</span>; <span id="updates">0</span> updates
  (<span id="connection">connecting</span>)</div>
<div class="totals">
  <div>requests/s <b id="total-rps">-</b></div>
  <div>fairness (Jain) <b id="fairness">-</b></div>
  <div>RSS summed <b id="total-rss">-</b></div>
  <div>PSS summed <b id="total-pss">-</b></div>
  <div>instances <b id="instance-count">-</b></div>
</div>
<table id="instances">
  <thead><tr><th class="text">app</th><th>instance</th><th>id</th><th>pid</th><th class="text">status</th>
    <th>uptime</th><th>restarts</th><th>CPU</th><th>RSS</th><th>PSS</th><th>USS</th>
    <th>req/s</th><th>in flight</th><th>p50</th><th>p99</th><th>heartbeat</th></tr></thead>
  <tbody></tbody>
</table>
<div class="charts">
  <div class="chart"><h2>requests/s</h2><svg id="chart-rps"></svg><div class="legend"></div></div>
  <div class="chart"><h2>p99 latency (ms)</h2><svg id="chart-p99"></svg><div class="legend"></div></div>
  <div class="chart"><h2>memory: PSS (MB)</h2><svg id="chart-pss"></svg><div class="legend"></div></div>
  <div class="chart"><h2>restarts</h2><svg id="chart-restarts"></svg><div class="legend"></div></div>
</div>
<section><h2>Load distribution (share of requests/s)</h2><div id="distribution"></div></section>
<section><h2>Timeline</h2><ul id="timeline"></ul></section>
<script>
"use strict";
const HISTORY = 120;  // points per series: a minute at two updates a second
const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"];
const series = {rps: new Map(), p99: new Map(), pss: new Map(), restarts: new Map()};
let updates = 0;
// ?updates=N: follow N updates, then stop, leaving a still picture (what a headless browser
// prints or photographs once the page has no request open).
const stopAfter = Number(new URLSearchParams(location.search).get("updates") || 0);

const esc = t => String(t).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]);
const mb = b => (b / 1048576).toFixed(1) + " MB";
const num = (x, d = 0) => x === null || x === undefined ? "-" : Number(x).toFixed(d);
const key = f => esc(f.app) + "#" + f.instance;

function push(map, k, value) {
  if (!map.has(k)) map.set(k, []);
  const points = map.get(k);
  points.push(value === null || value === undefined ? null : value);
  if (points.length > HISTORY) points.shift();
}

function draw(id, map) {
  const svg = document.getElementById(id);
  const width = svg.clientWidth || 400, height = svg.clientHeight || 150;
  let max = 0;
  for (const points of map.values()) for (const p of points) if (p !== null) max = Math.max(max, p);
  max = max > 0 ? max * 1.1 : 1;
  let body = `<text x="4" y="12" font-size="11" fill="#777">${max.toFixed(max < 10 ? 1 : 0)}</text>`;
  let i = 0;
  const legend = [];
  for (const [k, points] of map) {
    const colour = COLOURS[i++ % COLOURS.length];
    const step = width / (HISTORY - 1);
    const offset = HISTORY - points.length;
    let path = "";
    points.forEach((p, j) => {
      if (p === null) return;
      const x = (offset + j) * step, y = height - 4 - (p / max) * (height - 20);
      path += (path ? " L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
    });
    body += `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2" data-series="${k}"/>`;
    legend.push(`<span style="color:${colour}">&#9632; ${k}</span>`);
  }
  svg.innerHTML = body;
  svg.nextElementSibling.innerHTML = legend.join("");
}

function update(s) {
  updates++;
  document.getElementById("updates").textContent = updates;
  document.getElementById("updated").textContent = new Date(s.at * 1000).toLocaleTimeString();
  document.getElementById("total-rps").textContent = num(s.totals.per_second);
  document.getElementById("fairness").textContent = num(s.fairness, 3);
  document.getElementById("total-rss").textContent = mb(s.totals.rss_bytes);
  document.getElementById("total-pss").textContent = mb(s.totals.pss_bytes);
  document.getElementById("instance-count").textContent = s.instances.length;
  const rows = [];
  let total = 0;
  for (const f of s.instances) total += f.requests ? f.requests.per_second : 0;
  const bars = [];
  for (const f of s.instances) {
    const r = f.requests;
    const bad = f.status === "hung" || f.status === "suspect" || !f.pid;
    rows.push(`<tr data-instance="${f.instance}" data-pid="${f.pid}" class="${bad ? "bad" : ""}">` +
      `<td class="text">${esc(f.app)}</td><td>${f.instance}</td><td>${f.id}</td><td data-field="pid">${f.pid || "-"}</td>` +
      `<td class="text" data-field="status">${esc(f.status)}</td><td>${num(f.uptime_s)} s</td>` +
      `<td data-field="restarts">${f.restarts}</td><td>${num(f.cpu_percent, 1)}%</td>` +
      `<td>${mb(f.rss_bytes)}</td><td data-field="pss">${mb(f.pss_bytes)}</td><td>${mb(f.uss_bytes)}</td>` +
      `<td data-field="rps">${r ? num(r.per_second) : "-"}</td><td>${r ? r.in_flight : "-"}</td>` +
      `<td>${r ? num(r.p50_ms, 2) : "-"}</td><td data-field="p99">${r ? num(r.p99_ms, 2) : "-"}</td>` +
      `<td>${f.heartbeat_age_ms === null ? "-" : num(f.heartbeat_age_ms) + " ms"}</td></tr>`);
    const share = total > 0 && r ? r.per_second / total : 0;
    bars.push(`<div data-instance="${f.instance}">${key(f)} (pid ${f.pid || "-"}) ` +
      `<div class="bar" style="width:${(share * 100).toFixed(1)}%">${(share * 100).toFixed(1)}%</div></div>`);
    push(series.rps, key(f), r ? r.per_second : null);
    push(series.p99, key(f), r ? r.p99_ms : null);
    push(series.pss, key(f), f.pid ? f.pss_bytes / 1048576 : null);
    push(series.restarts, key(f), f.restarts);
  }
  document.querySelector("#instances tbody").innerHTML = rows.join("");
  document.getElementById("distribution").innerHTML = bars.join("");
  draw("chart-rps", series.rps);
  draw("chart-p99", series.p99);
  draw("chart-pss", series.pss);
  draw("chart-restarts", series.restarts);
  if (stopAfter > 0 && updates >= stopAfter) {
    source.close();
    document.getElementById("connection").textContent = "stopped after " + updates + " updates";
  }
}

function timeline(e) {
  const li = document.createElement("li");
  li.dataset.kind = e.kind;
  li.dataset.pid = e.pid;
  li.textContent = `${new Date(e.at * 1000).toLocaleTimeString()}  ${e.kind}  ${e.app}` +
    ` instance ${e.instance} pid ${e.pid}${e.detail ? ": " + e.detail : ""}`;
  const list = document.getElementById("timeline");
  list.insertBefore(li, list.firstChild);
}

const source = new EventSource("/api/events");
source.addEventListener("figures", m => update(JSON.parse(m.data)));
source.addEventListener("timeline", m => timeline(JSON.parse(m.data)));
source.onopen = () => document.getElementById("connection").textContent = "live";
source.onerror = () => document.getElementById("connection").textContent = "reconnecting";
</script>
</body>
</html>
)HTML";

std::string html_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string dashboard_page(const std::string& title) {
  std::string page(kPage);
  const std::string safe = html_escaped(title);
  for (auto at = page.find("@TITLE@"); at != std::string::npos; at = page.find("@TITLE@", at))
    page.replace(at, 7, safe);
  return page;
}

}  // namespace clab::monitor

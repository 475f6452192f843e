// SPDX-License-Identifier: Apache-2.0
// sluice's status page: polls the JSON API once a second and draws what it says. The
// history of the plots (5 minutes) lives in this page only; the daemon keeps no extra state.
"use strict";

const KEEP = 300;            // samples a plot keeps: 5 minutes at one a second
const history = {};          // series name -> [numbers]
let lastDrops = null, lastTime = 0;

// The page's reads are public where the page is (control.public: [page]); elsewhere the
// browser came through the unix socket (an ssh tunnel) or a proxy that adds the token.
async function get(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function si(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + "G";
  if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
  if (a >= 1e3) return (v / 1e3).toFixed(1) + "k";
  return String(Math.round(v));
}

function ago(s) {
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min";
  if (s < 86400) return Math.floor(s / 3600) + " h";
  return Math.floor(s / 86400) + " d";
}

function push(name, v) {
  const h = history[name] || (history[name] = []);
  h.push(v);
  if (h.length > KEEP) h.shift();
  return h;
}

// A sparkline of h into svg: the last KEEP samples across, scaled to their maximum.
function plot(svg, h) {
  const w = 300, ht = 40, max = Math.max(1, ...h);
  svg.setAttribute("viewBox", `0 0 ${w} ${ht}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const pts = h.map((v, i) => `${(w * (KEEP - h.length + i) / (KEEP - 1)).toFixed(1)},` +
                               `${(ht - 1 - (ht - 2) * v / max).toFixed(1)}`).join(" ");
  svg.replaceChildren(document.createElementNS("http://www.w3.org/2000/svg", "polyline"));
  svg.firstChild.setAttribute("points", pts);
  svg.dataset.samples = h.length;
}

function stateOf(b) {
  const hs = b.health ? b.health.state : null;
  return hs === "down" || hs === "unknown" ? hs : b.state;
}

function backendRow(b) {
  const h = b.health, st = stateOf(b);
  const health = h ? `${h.state}: ${h.last_result || "–"} (${ago(h.seconds_in_state)})` : "no check";
  return el("tr", { "data-backend": b.address, "data-state": st, "data-weight": b.weight },
    el("td", {}, b.address),
    el("td", { class: "n" }, b.weight),
    el("td", {}, el("span", { class: "state " + st }, st)),
    el("td", { class: "small" }, health),
    el("td", { class: "n" }, b.stats.active_conns),
    el("td", { class: "n" }, b.stats.inactive_conns),
    el("td", { class: "n hide-narrow" }, si(b.rate.cps)),
    el("td", { class: "n hide-narrow" }, si(b.rate.in_pps + b.rate.out_pps)));
}

function serviceCard(s) {
  const key = "svc " + s.vip, h = push(key, s.rate.cps);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  plot(svg, h);
  const head = el("tr", {}, ...["backend", "weight", "state", "health", "active", "inactive"]
    .map(t => el("th", {}, t)), el("th", { class: "hide-narrow" }, "conn/s"),
    el("th", { class: "hide-narrow" }, "pkt/s"));
  return el("div", { class: "card", "data-vip": s.vip },
    el("h3", {}, s.vip,
      el("span", { class: "meta" }, `${s.mode} · ${s.scheduler}` +
        (s.persistence ? ` · persistence ${s.persistence} s` : "") +
        (s.announced ? " · announced" : " · not announced")),
      el("span", { class: "meta" }, `${si(s.rate.cps)} conn/s · ${si(s.rate.in_pps + s.rate.out_pps)} pkt/s · ` +
        `${s.stats.active_conns} active · ${s.stats.inactive_conns} inactive`)),
    svg,
    el("div", { class: "scroll" }, el("table", {}, el("thead", {}, head),
      el("tbody", {}, ...s.backends.map(backendRow)))));
}

function render(svcs, stats) {
  const now = Date.now() / 1000;
  let cps = 0, pps = 0, bps = 0;
  for (const s of svcs) {
    cps += s.rate.cps; pps += s.rate.in_pps + s.rate.out_pps; bps += s.rate.in_bps + s.rate.out_bps;
  }
  for (const [name, v] of [["cps", cps], ["pps", pps], ["bps", bps]]) {
    document.getElementById("node-" + name).textContent = si(v);
    plot(document.getElementById("plot-" + name), push("node " + name, v));
  }
  document.getElementById("node").textContent =
    `up ${ago(stats.uptime)} · ${stats.conns.current} conns of ${stats.conns.capacity} · ` +
    `${svcs.length} services`;
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  document.querySelector("#workers tbody").replaceChildren(...stats.workers.map(w =>
    el("tr", { "data-worker": w.id }, el("td", {}, w.id), el("td", {}, w.lcore),
      el("td", { class: "n" }, Number(w.busy_percent).toFixed(1) + " %"),
      el("td", { class: "n" }, Number(w.cpu_percent).toFixed(1) + " %"),
      el("td", { class: "n" }, si(w.rx_packets)), el("td", { class: "n" }, si(w.tx_packets)),
      el("td", { class: "n" }, w.conns))));
  document.getElementById("service-list").replaceChildren(...svcs.map(serviceCard));
  const dt = lastTime ? now - lastTime : 0;
  const rows = Object.entries(stats.drops).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
    .map(([r, n]) => el("tr", { "data-drop": r }, el("td", {}, r), el("td", { class: "n" }, n),
      el("td", { class: "n" }, lastDrops && dt > 0 ? si((n - (lastDrops[r] || 0)) / dt) : "–")));
  document.getElementById("drop-list").replaceChildren(...(rows.length ? rows :
    [el("tr", {}, el("td", { colspan: 3, class: "small" }, "none"))]));
  lastDrops = stats.drops; lastTime = now;
}

async function tick() {
  const err = document.getElementById("error");
  try {
    const [svcs, stats] = await Promise.all([get("/v1/services"), get("/v1/stats")]);
    render(svcs.services, stats);
    err.hidden = true;
  } catch (e) {
    err.textContent = "cannot read the API: " + e.message;
    err.hidden = false;
  }
  setTimeout(tick, 1000);
}

tick();

/*
 * app.js - the unrest page: the live viewer (fed binary frames over server-sent events from
 * /events, controls posted to /control) and the self-contained reports (data inline in
 * window.UNREST_DATA) share this one script. No framework, no network beyond the page's own
 * server. Frame layout: docs/VIEWER.md.
 */
'use strict';
(function () {
  // Cell colours: EMPTY, QUIET, ACTIVE, JAILED, COP (src/view/vbuf.c has the same table).
  const COLORS = [[0x16, 0x19, 0x20], [0x3b, 0x5b, 0x8c], [0xff, 0x4d, 0x3d], [0xd9, 0xa4, 0x1e],
                  [0xe6, 0xea, 0xf0]];
  const CELL_NAMES = ['empty', 'quiet', 'active', 'jailed', 'police/troops'];
  const HELD = '#36c26b', CAPTURED = '#ff3dcf', TROOPS = '#b5e655';
  const NF = 6; // fields per site per sample
  const F = {active: 0, participants: 1, jailed: 2, detained: 3, dead: 4, legitimacy: 5};
  const PALETTE = ['#ff6b5a', '#5aa9ff', '#ffd35a', '#7be07b', '#d57bff', '#5ae0d5', '#ff9f43',
                   '#c8d6e5', '#ff5ab4', '#a3cb38', '#9980fa', '#f8a5c2'];
  const SPEEDS = [0.5, 1, 2, 4, 8, 16, 32, 64, 0]; // ticks per second; 0 = as fast as possible

  const $ = (id) => document.getElementById(id);
  const st = {
    meta: null,        // run description (sites, clock, sliders, ...)
    n: 0,              // samples held
    rows: [],          // rows[t] = Float32Array(nSites * NF)
    events: [],        // {tick, label, manual}
    sites: [],         // latest per-site record from frames
    frames: 0,         // frames received
    generation: -1,
    playing: false,
    tick: 0, ticks: 0, time: 0,
    backfill: false,
    dirty: false,
  };
  window.unrestState = st; // for tests and the curious

  // ---- formatting -------------------------------------------------------------------------
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    const a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(0) + 'k';
    if (a >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    if (a > 0 && a < 1) return v.toFixed(2);
    return String(Math.round(v));
  }
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function localDate(unix, offMin) {
    return new Date((unix + offMin * 60) * 1000);
  }
  function fmtTime(unix, offMin) {
    const d = localDate(unix, offMin);
    const p = (x) => String(x).padStart(2, '0');
    return d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + ' ' +
           p(d.getUTCHours()) + ':' + p(d.getUTCMinutes());
  }
  function fmtDay(unix, offMin) {
    const d = localDate(unix, offMin);
    return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate();
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function b64bytes(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // ---- canvas helpers -----------------------------------------------------------------------
  // Size a canvas's backing store to its CSS box (sharp on HiDPI) and return a 2D context.
  function fitCanvas(c) {
    const r = c.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(50, Math.round((r.width || c.width) * dpr));
    const h = Math.max(50, Math.round((r.height || c.height) * dpr));
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    return {g, w: w / dpr, h: h / dpr};
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const e = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= v * 0.999) return m * e;
    return 10 * e;
  }

  // A line chart. opt: {title, x0, x1 (days), yMax?, lines: [{color, xs, ys, dash?, width?}],
  // bands: [{color, xs, lo, hi}], markers: [{x, n}], fixedMax?}
  function drawChart(canvas, opt) {
    const {g, w, h} = fitCanvas(canvas);
    g.clearRect(0, 0, w, h);
    g.fillStyle = '#181b22';
    g.fillRect(0, 0, w, h);
    const L = 52, R = 24, T = 34, B = 24;
    const pw = w - L - R, ph = h - T - B;
    let ymax = opt.fixedMax || 0;
    if (!opt.fixedMax) {
      for (const ln of opt.lines) for (const y of ln.ys) if (y > ymax) ymax = y;
      for (const b of opt.bands || []) for (const y of b.hi) if (y > ymax) ymax = y;
      ymax = niceMax(ymax);
    }
    const x0 = opt.x0, x1 = Math.max(opt.x1, x0 + 1e-9);
    const X = (x) => L + (x - x0) / (x1 - x0) * pw;
    const Y = (y) => T + ph - Math.min(y, ymax * 1.05) / ymax * ph;
    // grid and axes
    g.strokeStyle = '#2a2f3a';
    g.lineWidth = 1;
    g.fillStyle = '#9aa3b2';
    g.font = '11px system-ui, sans-serif';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const y = T + ph - i / 4 * ph;
      g.beginPath(); g.moveTo(L, y); g.lineTo(L + pw, y); g.stroke();
      g.fillText(fmt(ymax * i / 4), L - 4, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const span = x1 - x0;
    const step = span <= 4 ? 0.5 : span <= 15 ? 1 : span <= 40 ? 5 : span <= 100 ? 10 : 50;
    for (let d = Math.ceil(x0 / step) * step; d <= x1 + 1e-9; d += step) {
      const x = X(d);
      g.beginPath(); g.moveTo(x, T + ph); g.lineTo(x, T + ph + 4); g.stroke();
      g.fillText(opt.dayLabel ? opt.dayLabel(d) : String(d), x, T + ph + 6);
    }
    // event markers
    g.setLineDash([3, 3]);
    g.strokeStyle = '#8888cc';
    g.fillStyle = '#b0b0ee';
    g.textBaseline = 'top';
    for (const m of opt.markers || []) {
      const x = X(m.x);
      if (x < L - 1 || x > L + pw + 1) continue;
      if (m.minor) {
        g.setLineDash([]);
        g.beginPath(); g.moveTo(x, T + ph - 5); g.lineTo(x, T + ph); g.stroke();
        g.setLineDash([3, 3]);
        continue;
      }
      g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + ph); g.stroke();
      g.fillText(String(m.n), x, T - 13);
    }
    g.setLineDash([]);
    // bands then lines
    g.save();
    g.beginPath(); g.rect(L, T - 2, pw, ph + 4); g.clip();
    for (const b of opt.bands || []) {
      g.fillStyle = b.color;
      g.beginPath();
      for (let i = 0; i < b.xs.length; i++) g[i ? 'lineTo' : 'moveTo'](X(b.xs[i]), Y(b.hi[i]));
      for (let i = b.xs.length - 1; i >= 0; i--) g.lineTo(X(b.xs[i]), Y(b.lo[i]));
      g.closePath();
      g.fill();
    }
    for (const ln of opt.lines) {
      g.strokeStyle = ln.color;
      g.lineWidth = ln.width || 1.5;
      g.setLineDash(ln.dash || []);
      g.beginPath();
      // decimate to about two points per pixel
      const n = ln.xs.length, stride = Math.max(1, Math.floor(n / (pw * 2)));
      for (let i = 0; i < n; i += stride) g[i ? 'lineTo' : 'moveTo'](X(ln.xs[i]), Y(ln.ys[i]));
      if (n > 1 && (n - 1) % stride) g.lineTo(X(ln.xs[n - 1]), Y(ln.ys[n - 1]));
      g.stroke();
    }
    g.restore();
    g.setLineDash([]);
    g.fillStyle = '#e6e8ec';
    g.font = '600 12px system-ui, sans-serif';
    g.textAlign = 'left';
    g.textBaseline = 'top';
    g.fillText(opt.title, L, 4);
  }

  function chartBox(parent, id, title) {
    let box = document.getElementById(id);
    if (box) return box.querySelector('canvas');
    box = el('div', {class: 'chart', id});
    const c = el('canvas', {'aria-label': title});
    const a = el('a', {class: 'png', href: '#', download: id + '.png'}, 'PNG');
    a.addEventListener('click', () => { a.href = c.toDataURL('image/png'); });
    box.appendChild(c);
    box.appendChild(a);
    parent.appendChild(box);
    return c;
  }

  function legend(node, items) {
    node.textContent = '';
    for (const it of items) {
      const s = el('span');
      const i = el('i');
      i.style.background = it.color;
      s.appendChild(i);
      s.appendChild(document.createTextNode(it.label));
      node.appendChild(s);
    }
  }

  // ---- lattices -----------------------------------------------------------------------------
  function cityBox(i, site) {
    let box = document.getElementById('city-' + i);
    if (box) return box;
    box = el('div', {class: 'city', id: 'city-' + i});
    const h = el('h3');
    h.appendChild(el('span', null, site.name));
    h.appendChild(el('span', {class: 'badge'}, ''));
    box.appendChild(h);
    const c = el('canvas', {width: 300, height: 300, 'data-site': String(i)});
    box.appendChild(c);
    box.appendChild(el('div', {class: 'facts'}, ''));
    $('cities').appendChild(box);
    return box;
  }

  // Colours as little-endian RGBA words, for writing ImageData through a Uint32Array.
  const LUT = new Uint32Array(COLORS.map((c) => (255 << 24 | c[2] << 16 | c[1] << 8 | c[0]) >>> 0));
  const pix = []; // per site: {gw, gh, img, u32, canvas} reused from frame to frame

  // cells: Uint8Array gw*gh of codes; rec: the site's frame record (or null in reports).
  function drawLattice(i, cells, gw, gh, rec) {
    const site = st.meta.sites[i];
    const box = cityBox(i, site);
    const c = box.querySelector('canvas');
    let px = pix[i];
    if (!px || px.gw !== gw || px.gh !== gh) {
      const cv = document.createElement('canvas');
      cv.width = gw;
      cv.height = gh;
      const img = cv.getContext('2d').createImageData(gw, gh);
      px = pix[i] = {gw, gh, img, u32: new Uint32Array(img.data.buffer), canvas: cv};
    }
    const u32 = px.u32, n = gw * gh;
    for (let k = 0; k < n; k++) u32[k] = LUT[cells[k]] || LUT[0];
    px.canvas.getContext('2d').putImageData(px.img, 0, 0);
    // backing store: a whole number of pixels per cell, about the canvas's CSS size
    const want = 300 * (window.devicePixelRatio || 1);
    const s = Math.max(1, Math.min(8, Math.round(want / Math.max(gw, gh))));
    if (c.width !== gw * s || c.height !== gh * s) { c.width = gw * s; c.height = gh * s; }
    const g = c.getContext('2d');
    g.imageSmoothingEnabled = false;
    g.drawImage(px.canvas, 0, 0, gw * s, gh * s);
    // focal points: ring green while held by the state, magenta when the crowd holds it
    const lw = st.meta.lattices ? st.meta.lattices[i][0] : gw;
    const cellPx = c.width / lw;
    g.lineWidth = Math.max(2, c.width / 150);
    for (let f = 0; f < (site.focal || []).length; f++) {
      const fp = site.focal[f];
      const captured = rec && (rec.captured >> f) & 1;
      const r = Math.max(6, fp.radius * cellPx);
      const x = fp.x * c.width, y = fp.y * c.height;
      g.strokeStyle = captured ? CAPTURED : HELD;
      g.beginPath(); g.arc(x, y, r, 0, 2 * Math.PI); g.stroke();
      if (rec && rec.troops > 0) {
        g.strokeStyle = TROOPS;
        g.setLineDash([4, 4]);
        g.beginPath(); g.arc(x, y, r + g.lineWidth * 2, 0, 2 * Math.PI); g.stroke();
        g.setLineDash([]);
      }
    }
    const badge = box.querySelector('.badge');
    const facts = box.querySelector('.facts');
    if (rec) {
      const flags = [];
      if (rec.flags & 1) flags.push('emergency');
      if (rec.flags & 2) flags.push('curfew');
      if (rec.internet < 0.5) flags.push('blackout');
      if (rec.troops > 0) flags.push('troops ' + fmt(rec.troops));
      badge.textContent = flags.join(' · ');
      facts.textContent = 'active ' + fmt(rec.active) + ' · detained ' + fmt(rec.detained) +
          ' · dead ' + fmt(rec.dead) + ' · L ' + rec.legitimacy.toFixed(2) + ' · LPG ' +
          fmt(rec.fuel_price);
    } else {
      facts.textContent = site.name + ': ' + lw + '×' + (st.meta.lattices ? st.meta.lattices[i][1] : gh) +
          ' cells';
    }
  }

  // ---- series and charts ----------------------------------------------------------------------
  function dayOf(tick) { return tick * st.meta.tick_hours / 24; }

  // Events of the scenario's timeline and those fired by hand get numbered marker lines; what
  // the world reports on its own (a focal point captured or retaken) gets a small tick.
  function isMajor(e) {
    if (e.manual) return true;
    const tl = st.meta && st.meta.timeline;
    if (!tl) return true;
    if (!st.timelineLabels) st.timelineLabels = new Set(tl.map((t) => t.label));
    return st.timelineLabels.has(e.label);
  }
  function markers() {
    return st.events.map((e, k) => ({x: dayOf(e.tick), n: k + 1, minor: !isMajor(e)}));
  }

  let chartQueued = false;
  function queueCharts() {
    if (chartQueued) return;
    chartQueued = true;
    requestAnimationFrame(() => { chartQueued = false; drawCharts(); });
  }

  function drawCharts() {
    const m = st.meta;
    if (!m) return;
    const ns = m.sites.length, n = st.n;
    const xs = new Float64Array(n);
    for (let t = 0; t < n; t++) xs[t] = dayOf(t);
    const x1 = Math.max(dayOf(Math.max(st.ticks || m.ticks || 1, 1)), dayOf(n - 1));
    const dayLabel = (d) => fmtDay(m.start + d * 86400, m.utc_offset_min);
    const series = (k, i) => {
      const ys = new Float64Array(n);
      for (let t = 0; t < n; t++) { const r = st.rows[t]; ys[t] = r ? r[i * NF + k] : 0; }
      return ys;
    };
    const total = (k) => {
      const ys = new Float64Array(n);
      for (let t = 0; t < n; t++) {
        const r = st.rows[t];
        let s = 0;
        if (r) for (let i = 0; i < ns; i++) s += r[i * NF + k];
        ys[t] = s;
      }
      return ys;
    };
    const meanL = () => {
      const ys = new Float64Array(n);
      let pop = 0;
      for (const s of m.sites) pop += s.population;
      for (let t = 0; t < n; t++) {
        const r = st.rows[t];
        let s = 0;
        if (r) for (let i = 0; i < ns; i++) s += r[i * NF + F.legitimacy] * m.sites[i].population;
        ys[t] = pop > 0 ? s / pop : 0;
      }
      return ys;
    };
    const mk = markers();
    const box = $('charts');
    const perSite = (k) => m.sites.map((s, i) => ({color: PALETTE[i % PALETTE.length],
                                                  xs, ys: series(k, i), width: 1.2}));
    drawChart(chartBox(box, 'chart-active', 'People active'), {
      title: 'People active (cities; white: all, dashed: distinct participants)', x0: 0, x1,
      dayLabel, markers: mk,
      lines: perSite(F.active).concat([{color: '#ffffff', xs, ys: total(F.active), width: 2},
                                       {color: '#bbbbbb', xs, ys: total(F.participants),
                                        dash: [5, 4]}])});
    drawChart(chartBox(box, 'chart-detained', 'Detained'), {
      title: 'Detained since the start (white: all; dashed: in detention now)', x0: 0, x1,
      dayLabel, markers: mk,
      lines: perSite(F.detained).concat([{color: '#ffffff', xs, ys: total(F.detained), width: 2},
                                         {color: '#bbbbbb', xs, ys: total(F.jailed),
                                          dash: [5, 4]}])});
    drawChart(chartBox(box, 'chart-dead', 'Dead'), {
      title: 'Dead since the start', x0: 0, x1, dayLabel, markers: mk,
      lines: perSite(F.dead).concat([{color: '#ffffff', xs, ys: total(F.dead), width: 2}])});
    drawChart(chartBox(box, 'chart-legitimacy', 'Legitimacy'), {
      title: 'Legitimacy (white: population-weighted mean)', x0: 0, x1, dayLabel, markers: mk,
      fixedMax: 1,
      lines: perSite(F.legitimacy).concat([{color: '#ffffff', xs, ys: meanL(), width: 2}])});
  }

  function renderEvents() {
    const ol = $('events');
    while (ol.children.length > st.events.length) ol.removeChild(ol.lastChild);
    for (let k = ol.children.length; k < st.events.length; k++) {
      const e = st.events[k];
      const when = st.meta ? fmtTime(st.meta.start + e.tick * st.meta.tick_hours * 3600,
                                     st.meta.utc_offset_min) : '';
      const li = el('li', {class: e.manual ? 'manual' : isMajor(e) ? '' : 'minor',
                           'data-tick': String(e.tick)},
                    when + ' — ' + e.label);
      ol.appendChild(li);
    }
  }

  function renderLegend() {
    const m = st.meta;
    legend($('site-legend'), m.sites.map((s, i) => ({color: PALETTE[i % PALETTE.length],
                                                      label: s.name})));
    legend($('legend'), COLORS.map((c, k) => ({color: 'rgb(' + c.join(',') + ')',
                                              label: CELL_NAMES[k]}))
             .slice(1).concat([{color: HELD, label: 'focal point held'},
                               {color: CAPTURED, label: 'taken by the crowd'},
                               {color: TROOPS, label: 'foreign troops'}]));
  }

  function renderProvenance(extra) {
    const m = st.meta;
    $('provenance').textContent = 'unrest ' + m.version + ' · scenario ' + m.scenario + ' (hash ' +
        m.hash + ') · seed ' + m.seed + (extra || '');
  }

  function setClock() {
    const m = st.meta;
    $('tick').textContent = String(st.tick);
    $('ticks').textContent = String(st.ticks);
    $('time').textContent = fmtTime(st.time, m.utc_offset_min);
  }

  // ---- live: frames -------------------------------------------------------------------------
  function parseFrame(buf) {
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (v.getUint8(0) !== 0x55 || v.getUint8(1) !== 0x4e || v.getUint8(2) !== 0x52 ||
        v.getUint8(3) !== 0x46 || v.getUint8(4) !== 1)
      throw new Error('not an unrest frame');
    const f = {
      flags: v.getUint8(5), nSites: v.getUint16(6, true), generation: v.getUint32(8, true),
      speed: v.getFloat32(12, true), tick: Number(v.getBigInt64(16, true)),
      ticks: Number(v.getBigInt64(24, true)), time: Number(v.getBigInt64(32, true)),
      chunkFirst: v.getUint32(40, true), chunkN: v.getUint32(44, true),
      eventFirst: v.getUint32(48, true), eventN: v.getUint32(52, true), sites: [], rows: [],
      events: [], cells: [],
    };
    let o = 56;
    for (let i = 0; i < f.nSites; i++, o += 64) {
      const g = (k) => v.getFloat32(o + 4 * k, true);
      f.sites.push({active: g(0), participants: g(1), jailed: g(2), detained: g(3), dead: g(4),
                    legitimacy: g(5), troops: g(6), police: g(7), internet: g(8),
                    fuel_price: g(9), threshold: g(10), k: g(11), width: v.getUint32(o + 48, true),
                    height: v.getUint32(o + 52, true), gw: v.getUint16(o + 56, true),
                    gh: v.getUint16(o + 58, true), flags: v.getUint8(o + 60),
                    captured: v.getUint8(o + 61)});
    }
    for (let t = 0; t < f.chunkN; t++) {
      const r = new Float32Array(f.nSites * NF);
      for (let k = 0; k < r.length; k++, o += 4) r[k] = v.getFloat32(o, true);
      f.rows.push(r);
    }
    const dec = new TextDecoder();
    for (let e = 0; e < f.eventN; e++) {
      const tick = v.getUint32(o, true), manual = v.getUint8(o + 4), len = v.getUint8(o + 5);
      o += 6;
      f.events.push({tick, manual, label: dec.decode(buf.subarray(o, o + len))});
      o += len;
    }
    for (let i = 0; i < f.nSites; i++) {
      const n = f.sites[i].gw * f.sites[i].gh;
      f.cells.push(buf.subarray(o, o + n));
      o += n;
    }
    if (o !== buf.length) throw new Error('frame length mismatch');
    return f;
  }

  function loadRun(m) {
    // (re)start from a run description: meta of the live stream or a report's data
    st.meta = m;
    st.timelineLabels = null;
    st.rows = [];
    const ns = m.sites.length, d = m.series.data;
    for (let t = 0; t < m.series.n; t++) st.rows.push(Float32Array.from(d.slice(t * ns * NF,
                                                                           (t + 1) * ns * NF)));
    st.n = m.series.n;
    st.events = m.events.slice();
    st.tick = m.tick;
    st.ticks = m.ticks;
    st.time = m.time;
    st.generation = m.generation === undefined ? 0 : m.generation;
    $('title').textContent = m.title;
    document.title = m.title + ' – unrest';
    $('cities').textContent = '';
    $('events').textContent = '';
    renderLegend();
    renderProvenance();
    renderEvents();
    setClock();
    queueCharts();
  }

  function onFrame(f) {
    if (!st.meta) return;
    if (f.generation !== st.generation) { reconnect(); return; }
    st.frames++;
    st.sites = f.sites;
    st.tick = f.tick; st.ticks = f.ticks; st.time = f.time;
    st.playing = !!(f.flags & 1);
    if (f.chunkFirst > st.n || f.eventFirst > st.events.length) backfill();
    for (let t = 0; t < f.rows.length; t++) st.rows[f.chunkFirst + t] = f.rows[t];
    st.n = Math.max(st.n, f.chunkFirst + f.rows.length);
    let added = false;
    for (let e = 0; e < f.events.length; e++) {
      const idx = f.eventFirst + e;
      if (idx === st.events.length) { st.events.push(f.events[e]); added = true; }
    }
    if (added) renderEvents();
    for (let i = 0; i < f.nSites; i++) drawLattice(i, f.cells[i], f.sites[i].gw, f.sites[i].gh,
                                                    f.sites[i]);
    setClock();
    $('status').textContent = f.flags & 4 ? 'error' : f.flags & 2 ? 'finished' :
                              st.playing ? 'playing' : 'paused';
    queueCharts();
  }

  // Samples or events missed while frames were dropped for a slow connection.
  function backfill() {
    if (st.backfill) return;
    st.backfill = true;
    const gen = st.generation;
    fetch('series?from=0&events=' + st.events.length).then((r) => r.json()).then((j) => {
      if (j.generation !== gen) return;
      const w = j.sites * NF;
      for (let t = 0; t < j.n; t++)
        if (!st.rows[j.from + t]) st.rows[j.from + t] = Float32Array.from(j.data.slice(t * w, (t + 1) * w));
      st.n = Math.max(st.n, j.from + j.n);
      for (let e = 0; e < j.events.length; e++)
        if (j.events_from + e === st.events.length) st.events.push(j.events[e]);
      renderEvents();
      queueCharts();
    }).catch(() => {}).finally(() => { st.backfill = false; });
  }

  let es = null;
  function connect() {
    es = new EventSource('events');
    es.addEventListener('meta', (e) => {
      const m = JSON.parse(e.data);
      loadRun(m);
      st.playing = m.playing;
      buildControls(m);
      $('status').textContent = m.error ? 'error: ' + m.error : m.playing ? 'playing' : 'paused';
    });
    es.addEventListener('frame', (e) => {
      const t0 = performance.now();
      try { onFrame(parseFrame(b64bytes(e.data))); } catch (err) { msg(String(err)); }
      // decode + draw time of the lattices (charts are drawn once per animation frame)
      const dt = performance.now() - t0;
      if (st.frames > 2) { // the first frames also build the page
        st.timed = (st.timed || 0) + 1;
        st.frameMsMax = Math.max(st.frameMsMax || 0, dt);
        st.frameMsSum = (st.frameMsSum || 0) + dt;
      }
      st.frameBytes = e.data.length;
    });
    es.onerror = () => { $('status').textContent = 'reconnecting…'; };
  }
  function reconnect() {
    if (es) es.close();
    connect();
  }

  // ---- live: controls -----------------------------------------------------------------------
  function msg(t) { $('message').textContent = t; }

  function post(body) {
    return fetch('control', {method: 'POST', headers: {'Content-Type': 'application/json'},
                             body: JSON.stringify(body)})
        .then((r) => r.json().then((j) => {
          if (!r.ok) msg(j.error || ('HTTP ' + r.status)); else msg('');
          return j;
        }))
        .catch((e) => msg('control failed: ' + e));
  }

  let controlsBuilt = false;
  function buildControls(m) {
    $('controls').hidden = false;
    const sp = $('speed');
    let si = SPEEDS.indexOf(m.speed);
    if (si < 0) si = 3;
    sp.value = String(si);
    $('speed-val').textContent = SPEEDS[si] ? SPEEDS[si] + ' ticks/s' : 'max';
    const bx = $('buttons');
    while (bx.children.length > 1) bx.removeChild(bx.lastChild);
    for (const b of m.buttons) {
      const btn = el('button', {type: 'button', 'data-fire': b.name}, b.label);
      if (b.name === 'lethal') btn.className = 'danger';
      btn.addEventListener('click', () => post({cmd: 'fire', kind: b.name}));
      bx.appendChild(btn);
    }
    // sliders by path: a scenario key restarts the run with the value, "live.*" acts now
    const sx = $('sliders');
    sx.textContent = '';
    for (const s of m.sliders) {
      const lab = el('label', {class: 'slider', title: s.path + (s.range ? ' ' + s.range : '')});
      const value = s.value === null ? s.min : s.value;
      const out = el('output', null, String(+value.toFixed(3)));
      const unit = s.unit ? ' (' + s.unit + ')' : '';
      lab.appendChild(document.createTextNode(s.label + unit + (s.live ? '' : ' (restarts)') +
                                              ' '));
      const inp = el('input', {type: 'range', min: String(s.min), max: String(s.max),
                               step: String(s.step), value: String(value),
                               'data-path': s.path});
      inp.addEventListener('input', () => { out.textContent = inp.value; });
      inp.addEventListener('change', () => post({cmd: 'set', path: s.path,
                                                 value: Number(inp.value)}));
      lab.appendChild(inp);
      lab.appendChild(out);
      sx.appendChild(lab);
    }
    if (controlsBuilt) return;
    controlsBuilt = true;
    $('play').addEventListener('click', () => post({cmd: 'play'}));
    $('pause').addEventListener('click', () => post({cmd: 'pause'}));
    $('step').addEventListener('click', () => post({cmd: 'step'}));
    $('reset').addEventListener('click', () => post({cmd: 'reset'}));
    sp.addEventListener('input', () => {
      const v = SPEEDS[Number(sp.value)];
      $('speed-val').textContent = v ? v + ' ticks/s' : 'max';
      post({cmd: 'speed', value: v});
    });
  }

  // ---- reports ------------------------------------------------------------------------------
  function reportRun(d) {
    d.generation = 0;
    loadRun(d);
    $('status').textContent = 'report';
    document.querySelectorAll('#download, #chart-png').forEach((a) => a.remove());
    // lattices: the map snapshots, with a time slider
    const map = d.map;
    if (map && map.ticks.length) {
      // two cells a byte, low nibble first; each site's grid padded to whole bytes
      const packed = b64bytes(map.data);
      let per = 0;
      for (const g of map.grids) per += (g[0] * g[1] + 1) >> 1;
      const show = (k) => {
        let o = k * per;
        const tick = map.ticks[k];
        for (let i = 0; i < map.grids.length; i++) {
          const [gw, gh] = map.grids[i];
          const cells = new Uint8Array(gw * gh);
          for (let c = 0; c < cells.length; c++) cells[c] = (packed[o + (c >> 1)] >> ((c & 1) * 4)) & 15;
          const r = st.rows[tick];
          const rec = r ? {active: r[i * NF], detained: r[i * NF + 3], dead: r[i * NF + 4],
                           legitimacy: r[i * NF + 5], fuel_price: NaN, internet: 1, troops: 0,
                           flags: 0, captured: 0} : null;
          drawLattice(i, cells, gw, gh, rec);
          o += (gw * gh + 1) >> 1;
        }
        $('map-when').textContent = fmtTime(d.start + tick * d.tick_hours * 3600,
                                            d.utc_offset_min) + ' (tick ' + tick + ')';
      };
      const slider = $('map-time');
      slider.max = String(map.ticks.length - 1);
      slider.value = String(map.ticks.length - 1);
      slider.addEventListener('input', () => show(Number(slider.value)));
      $('map-controls').hidden = false;
      // start at the peak of national activity, where there is most to see
      let best = map.ticks.length - 1, bestV = -1;
      for (let k = 0; k < map.ticks.length; k++) {
        const r = st.rows[map.ticks[k]];
        let s = 0;
        if (r) for (let i = 0; i < d.sites.length; i++) s += r[i * NF];
        if (s > bestV) { bestV = s; best = k; }
      }
      slider.value = String(best);
      show(best);
    }
    drawHeat(d);
    outcomeTable([{name: 'this run', members: [d.outcomes]}], d, false);
    drawCharts();
  }

  function drawHeat(d) {
    $('heat-box').hidden = false;
    const c = $('heat');
    const ns = d.sites.length;
    c.style.height = Math.max(60, ns * 18 + 30) + 'px';
    const {g, w, h} = fitCanvas(c);
    g.fillStyle = '#181b22';
    g.fillRect(0, 0, w, h);
    const L = 110, T = 4, B = 22, rowH = (h - T - B) / Math.max(ns, 1), n = st.n;
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'middle';
    g.textAlign = 'right';
    let mx = 1e-9;
    for (let t = 0; t < n; t++)
      for (let i = 0; i < ns; i++) mx = Math.max(mx, st.rows[t][i * NF] / d.sites[i].population);
    const cw = (w - L - 6) / Math.max(n, 1);
    for (let i = 0; i < ns; i++) {
      g.fillStyle = '#9aa3b2';
      g.fillText(d.sites[i].name, L - 6, T + (i + 0.5) * rowH);
      for (let t = 0; t < n; t++) {
        const share = st.rows[t][i * NF] / d.sites[i].population / mx;
        const a = Math.sqrt(Math.max(0, Math.min(1, share)));
        g.fillStyle = 'rgba(255,77,61,' + a.toFixed(3) + ')';
        g.fillRect(L + t * cw, T + i * rowH + 1, Math.ceil(cw), rowH - 2);
      }
    }
    g.strokeStyle = '#8888cc';
    g.setLineDash([3, 3]);
    for (const e of st.events) {
      if (!isMajor(e)) continue;
      const x = L + e.tick * cw;
      g.beginPath(); g.moveTo(x, T); g.lineTo(x, h - B); g.stroke();
    }
    g.setLineDash([]);
    g.fillStyle = '#9aa3b2';
    g.textAlign = 'left';
    g.fillText('darkest red: ' + (mx * 100).toPrecision(2) + '% of a city active', L, h - 9);
  }

  function quantile(sorted, q) {
    if (!sorted.length) return NaN;
    const p = q * (sorted.length - 1), lo = Math.floor(p), hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (p - lo) * (sorted[hi] - sorted[lo]);
  }

  // Outcome table: one row per variant; medians with 90% intervals when there are several runs.
  function outcomeTable(variants, d, withProbs) {
    $('outcomes-box').hidden = false;
    const cols = [['peak_active', 'peak active'], ['participants', 'participants'],
                  ['detained', 'detained'], ['dead', 'dead'],
                  ['duration_hours', 'duration (h)'], ['final_legitimacy', 'final legitimacy'],
                  ['held_at_end', 'focal points held at end']];
    const t = $('outcomes');
    t.textContent = '';
    const hr = el('tr');
    hr.appendChild(el('th', null, variants.length > 1 || withProbs ? 'variant' : ''));
    if (withProbs) hr.appendChild(el('th', null, 'runs'));
    for (const c of cols) hr.appendChild(el('th', null, c[1]));
    if (!withProbs) hr.appendChild(el('th', null, 'outcome'));
    else for (const n of d.outcome_names) hr.appendChild(el('th', null, 'P(' + n + ')'));
    t.appendChild(hr);
    for (const v of variants) {
      const tr = el('tr');
      tr.appendChild(el('td', null, v.name));
      if (withProbs) tr.appendChild(el('td', null, String(v.members.length)));
      for (const c of cols) {
        const xs = v.members.map((o) => o[c[0]]).filter((x) => x !== null).sort((a, b) => a - b);
        let txt = fmt(quantile(xs, 0.5));
        if (c[0] === 'final_legitimacy') txt = quantile(xs, 0.5).toFixed(3);
        if (xs.length > 1)
          txt += ' [' + fmt(quantile(xs, 0.05)) + '–' + fmt(quantile(xs, 0.95)) + ']';
        tr.appendChild(el('td', null, txt));
      }
      if (!withProbs) tr.appendChild(el('td', null, v.members[0] ? v.members[0]['class'] : ''));
      else for (const p of v.probs) tr.appendChild(el('td', null, (100 * p).toFixed(0) + '%'));
      t.appendChild(tr);
    }
  }

  function reportEnsemble(d) {
    st.meta = d;
    $('title').textContent = d.title + ' — ' + d.kind;
    document.title = d.title + ' – unrest ' + d.kind;
    $('controls').hidden = true;
    $('cities-box').hidden = true;
    $('charts-box').hidden = true;
    $('ensemble-box').hidden = false;
    $('clock').textContent = d.kind + ' · ' + d.variants.length + ' variant(s) · ' +
        d.variants.reduce((a, v) => a + v.runs, 0) + ' runs · ' + d.days + ' days';
    const vcol = (k) => PALETTE[k % PALETTE.length];
    legend($('variant-legend'), d.variants.map((v, k) => ({color: vcol(k), label: v.name})));
    // scenario timeline as markers
    st.events = d.timeline.map((e) => ({tick: e.tick, label: e.label || e.kind, manual: 0}));
    renderEvents();
    const mk = st.events.map((e, k) => ({x: e.tick * d.tick_hours / 24, n: k + 1}));
    const nq = 5, days = d.n_days;
    const xs = Array.from({length: days}, (_, i) => i);
    const dayLabel = (x) => fmtDay(d.start + x * 86400, d.utc_offset_min);
    const hex = (c, a) => {
      const n = parseInt(c.slice(1), 16);
      return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
    };
    const titles = {active: 'People active (national)', detained: 'Detained since the start',
                    dead: 'Dead since the start', legitimacy: 'Legitimacy (population-weighted)'};
    for (const key of ['active', 'detained', 'dead', 'legitimacy']) {
      const bands = [], lines = [];
      d.variants.forEach((v, k) => {
        const q = v.fans[key];
        if (!q) return;
        const col = (j) => xs.map((i) => q[i * nq + j]);
        bands.push({color: hex(vcol(k), 0.12), xs, lo: col(0), hi: col(4)});
        bands.push({color: hex(vcol(k), 0.25), xs, lo: col(1), hi: col(3)});
        lines.push({color: vcol(k), xs, ys: col(2), width: 2});
      });
      if (!lines.length) continue;
      drawChart(chartBox($('fans'), 'fan-' + key, titles[key]), {
        title: titles[key], x0: 0, x1: Math.max(1, days - 1), dayLabel, markers: mk, bands,
        lines, fixedMax: key === 'legitimacy' ? 1 : 0});
    }
    drawProbs(d, vcol);
    outcomeTable(d.variants.map((v) => ({name: v.name, members: v.members, probs: v.probs})), d,
                 true);
    $('provenance').textContent = 'unrest ' + d.version + ' · scenario ' + d.scenario +
        ' (hash ' + d.hash + ') · master seed ' + d.seed;
  }

  // Grouped bars: for each outcome class, one bar per variant.
  function drawProbs(d, vcol) {
    const c = $('probs');
    const {g, w, h} = fitCanvas(c);
    g.fillStyle = '#181b22';
    g.fillRect(0, 0, w, h);
    const L = 40, B = 28, T = 10, ph = h - T - B, nc = d.outcome_names.length,
          nv = d.variants.length;
    const gw = (w - L - 10) / nc, bw = Math.min(40, (gw - 16) / Math.max(nv, 1));
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#9aa3b2';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    g.strokeStyle = '#2a2f3a';
    for (let i = 0; i <= 4; i++) {
      const y = T + ph - i / 4 * ph;
      g.beginPath(); g.moveTo(L, y); g.lineTo(w - 10, y); g.stroke();
      g.fillText((i * 25) + '%', L - 4, y);
    }
    for (let ci = 0; ci < nc; ci++) {
      const gx = L + ci * gw + 8;
      d.variants.forEach((v, k) => {
        const p = v.probs[ci] || 0;
        g.fillStyle = vcol(k);
        g.fillRect(gx + k * bw, T + ph - p * ph, bw - 3, p * ph);
        g.fillStyle = '#e6e8ec';
        g.textAlign = 'center';
        g.textBaseline = 'bottom';
        if (p > 0) g.fillText((100 * p).toFixed(0) + '%', gx + k * bw + bw / 2, T + ph - p * ph - 1);
      });
      g.fillStyle = '#9aa3b2';
      g.textAlign = 'center';
      g.textBaseline = 'top';
      g.fillText(d.outcome_names[ci], L + ci * gw + gw / 2, T + ph + 6);
    }
  }

  // ---- start --------------------------------------------------------------------------------
  function start() {
    const d = window.UNREST_DATA;
    if (!d) { connect(); }
    else if (d.kind === 'run') reportRun(d);
    else reportEnsemble(d);
    window.addEventListener('resize', () => { queueCharts(); if (d && d.kind === 'run') drawHeat(d); });
    document.body.setAttribute('data-ready', '1');
  }
  start();
})();

// zeroclaw web chat: one session per page load, one WebSocket, pickers fed by /api/models.
// Protocol: SPEC §9. No framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const MAX_FRAME_BYTES = 256 * 1024;  // the server's limit (gateway/ws.py MAX_FRAME)
const state = {
  session: null, token: null, ws: null, catalog: null, route: null,
  pending: [], retries: 0, pendingCommand: false,
};

// ---- rendering ---------------------------------------------------------------------------------

// Text with `code` spans; everything goes through textContent, so nothing the model says is HTML.
function renderText(el, text) {
  el.textContent = "";
  text.split(/(`[^`\n]+`)/).forEach((part) => {
    if (part.length > 2 && part.startsWith("`") && part.endsWith("`")) {
      const code = document.createElement("code");
      code.textContent = part.slice(1, -1);
      el.appendChild(code);
    } else if (part) {
      el.appendChild(document.createTextNode(part));
    }
  });
}

// Run `change` on the conversation; follow it down only if the reader was at the bottom.
function followed(change) {
  const log = $("log");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const result = change(log);
  if (atBottom) log.scrollTop = log.scrollHeight;
  return result;
}

function append(node) {
  const empty = $("empty");
  if (empty) empty.remove();
  return followed((log) => log.appendChild(node));
}

function bubble(role, text) {
  const el = document.createElement("div");
  el.className = `msg ${role}`;
  const body = document.createElement("div");
  body.className = "text";
  renderText(body, text);
  el.appendChild(body);
  return append(el);
}

function note(text, isError) {
  const el = document.createElement("div");
  el.className = isError ? "note error" : "note";
  el.textContent = text;
  return append(el);
}

// Streamed text is a model's answer ("answered by"); a complete message without tokens is a
// command reply or notice, labelled with the route the session is on now.
function setMeta(el, provider, model, answered) {
  let meta = el.querySelector(".meta");
  if (!meta) {
    meta = document.createElement("div");
    meta.className = "meta";
    el.appendChild(meta);
  }
  meta.textContent = "";
  const route = document.createElement("span");
  route.className = "route";
  route.textContent = `${provider} / ${model}`;
  meta.append(answered ? "answered by " : "route: ", route);
  el.dataset.provider = provider;
  el.dataset.model = model;
}

function setStatus(kind, text) {
  const el = $("status");
  el.dataset.state = kind;
  el.textContent = text;
  $("send").disabled = kind !== "online";
}

// ---- HTTP API ------------------------------------------------------------------------------------

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `${res.status} ${res.statusText}`);
  return data;
}

async function openSession() {
  const res = await fetch("/api/session", { method: "POST" });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `cannot open a session (${res.status})`);
  state.session = data.session;
  state.token = data.token;
}

// ---- pickers -------------------------------------------------------------------------------------

function providerEntry(id) {
  return (state.catalog?.providers || []).find((p) => p.id === id);
}

function fillProviders() {
  const select = $("provider");
  select.textContent = "";
  for (const p of state.catalog.providers) {
    const opt = document.createElement("option");
    opt.value = p.id;
    opt.textContent = p.name || p.id;
    opt.title = p.aliases && p.aliases.length ? `${p.id} (aliases: ${p.aliases.join(", ")})` : p.id;
    select.appendChild(opt);
  }
  select.disabled = false;
}

function fillModels(providerId, selected) {
  const select = $("model");
  const custom = $("model-custom");
  const models = (providerEntry(providerId)?.models || []).map((m) => m.id);
  if (selected && !models.includes(selected)) models.unshift(selected);
  select.textContent = "";
  for (const id of models) {
    const opt = document.createElement("option");
    opt.value = id;
    opt.textContent = id;
    select.appendChild(opt);
  }
  const other = document.createElement("option");
  other.value = "";
  other.textContent = "other…";
  select.appendChild(other);
  select.value = selected || (models[0] ?? "");
  select.disabled = false;
  custom.hidden = select.value !== "";
}

function showRoute(route) {
  state.route = route;
  if (!providerEntry(route.provider)) {
    state.catalog.providers.push({ id: route.provider, name: route.provider, aliases: [], models: [] });
    fillProviders();
  }
  $("provider").value = route.provider;
  fillModels(route.provider, route.model);
}

async function loadCatalog() {
  state.catalog = await api("GET", "/api/models");
  fillProviders();
  showRoute(state.catalog.current || state.catalog.default);
}

// Seed 002: choose through POST /api/models/select, then tell the live socket to re-read it.
async function choose(provider, model) {
  try {
    const route = await api("POST", "/api/models/select", { session: state.session, provider, model });
    showRoute(route);
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify({ type: "update_model" }));
    }
  } catch (err) {
    note(err.message, true);
    if (state.route) showRoute(state.route);
  }
}

function onProviderPicked() {
  const provider = $("provider").value;
  const models = (providerEntry(provider)?.models || []).map((m) => m.id);
  const keep = provider === state.route?.provider ? state.route.model : null;
  const model = keep || models[0] || state.route?.model;
  choose(provider, model);
}

function onModelPicked() {
  const model = $("model").value;
  if (model === "") {
    $("model-custom").hidden = false;
    $("model-custom").focus();
    return;
  }
  $("model-custom").hidden = true;
  choose($("provider").value, model);
}

// ---- WebSocket -----------------------------------------------------------------------------------

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = new URLSearchParams({ session: state.session, token: state.token });
  const ws = new WebSocket(`${scheme}://${location.host}/ws?${query}`);
  state.ws = ws;
  ws.onopen = () => {
    state.retries = 0;
    setStatus("online", "online");
  };
  ws.onmessage = (ev) => {
    let data;
    try { data = JSON.parse(ev.data); } catch { return; }
    const handler = EVENTS[data.event_type];
    if (handler) handler(data.payload || {});
  };
  ws.onclose = () => {
    setStatus("offline", "reconnecting…");
    while (state.pending.length) settle(state.pending.shift());
    const delay = Math.min(10000, 500 * 2 ** state.retries++);
    setTimeout(async () => {
      // After a daemon restart the session is gone: open a new one if the old one is refused.
      if (state.retries > 2) {
        try { await openSession(); await loadCatalog(); } catch (err) { note(err.message, true); }
      }
      connect();
    }, delay);
  };
}

// One placeholder bubble per message sent, answered in order (the server handles a socket's
// frames in arrival order). It blinks until the first token or the reply arrives.
function placeholder() {
  const el = bubble("assistant", "");
  el.classList.add("streaming");
  el.dataset.raw = "";
  el.dataset.tokens = "0";
  state.pending.push(el);
  return el;
}

function settle(el) {
  el.classList.remove("streaming");
  if (!el.dataset.raw && !el.querySelector(".meta")) el.remove();
}

const EVENTS = {
  token(payload) {
    const el = state.pending[0] || placeholder();
    el.dataset.tokens = String(Number(el.dataset.tokens) + 1);
    el.dataset.raw += payload.text || "";
    followed(() => renderText(el.querySelector(".text"), el.dataset.raw));
  },
  message(payload) {
    let el = state.pending.shift() || bubble("assistant", "");
    el.classList.remove("streaming");
    const text = payload.text || "";
    if (Number(el.dataset.tokens) > 0 && !text.startsWith(el.dataset.raw.trim())) {
      // Not the end of the streamed answer but a notice about it (the stream was cut off):
      // what was already shown stays, and the notice gets its own bubble (SPEC §7.1).
      el.classList.add("incomplete");
      el = bubble("assistant", "");
      el.dataset.tokens = "0";
    }
    el.dataset.raw = text;
    followed(() => {
      renderText(el.querySelector(".text"), el.dataset.raw);
      setMeta(el, payload.provider, payload.model, Number(el.dataset.tokens) > 0);
    });
    if (state.pendingCommand) {
      state.pendingCommand = false;
      loadCatalog().catch((err) => note(err.message, true));  // a /model typed in chat moves the pickers
    }
  },
  model_updated(payload) {
    showRoute(payload);
    note(`Now using ${payload.provider} / ${payload.model}`);
  },
  error(payload) {
    // The page only sends well-formed frames, so an error here refused the oldest message.
    const head = state.pending[0];
    if (head && head.dataset.tokens === "0") settle(state.pending.shift());
    note(payload.message || "error", true);
  },
};

// ---- composer ------------------------------------------------------------------------------------

function send(event) {
  event.preventDefault();
  const input = $("input");
  const text = input.value.trim();
  if (!text || !state.ws || state.ws.readyState !== WebSocket.OPEN) return;
  const frame = JSON.stringify({ type: "message", text });
  if (new Blob([frame]).size > MAX_FRAME_BYTES) {
    // The server would close the socket on it; say so and keep the text in the box instead.
    note("That message is too long to send; shorten it and try again.", true);
    return;
  }
  bubble("user", text);
  state.pendingCommand = text.startsWith("/");
  placeholder();
  state.ws.send(frame);
  input.value = "";
  input.style.height = "";
}

function grow() {
  const input = $("input");
  input.style.height = "";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

async function main() {
  $("composer").addEventListener("submit", send);
  $("input").addEventListener("input", grow);
  $("input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) send(ev);
  });
  $("provider").addEventListener("change", onProviderPicked);
  $("model").addEventListener("change", onModelPicked);
  $("model-custom").addEventListener("keydown", (ev) => {
    const id = $("model-custom").value.trim();
    if (ev.key === "Enter" && id) choose($("provider").value, id);
  });
  try {
    await openSession();
    await loadCatalog();
    connect();
  } catch (err) {
    setStatus("offline", "offline");
    note(err.message, true);
  }
}

main();

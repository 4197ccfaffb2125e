/* The agent console: sign in, the queue, a conversation with its handoff card, the human-side commands,
   KPIs, and live updates over SSE (no reloads). */
"use strict";

const KEY = "relevo.console";
const $ = (id) => document.getElementById(id);

let token = null;
let agent = null;
let stream = null;
let current = null; // the open conversation id
let detail = null; // its last ConversationDetail
let refreshTimer = null;

/* ----------------------------------------------------------------------------------------- session */
async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    const result = await api("POST", "/api/auth/login", null, {
      username: $("username").value.trim(),
      password: $("password").value,
    });
    token = result.token;
    agent = result.agent;
    sessionStorage.setItem(KEY, token);
    $("password").value = "";
    enter();
  } catch (error) {
    $("signin-error").textContent = error.status === 401 ? "Wrong username or password." : error.message;
  }
}

function signOut() {
  if (stream) stream.stop();
  stream = null;
  token = null;
  agent = null;
  current = null;
  sessionStorage.removeItem(KEY);
  $("app").classList.add("hidden");
  $("signin").classList.remove("hidden");
}

async function resume() {
  const saved = sessionStorage.getItem(KEY);
  if (!saved) return;
  token = saved;
  try {
    agent = await api("GET", "/api/auth/me", token);
    enter();
  } catch (error) {
    signOut();
  }
}

function enter() {
  $("signin").classList.add("hidden");
  $("app").classList.remove("hidden");
  $("me").textContent = `${agent.name} · ${agent.role} · ${agent.skills.join(", ")} · ${agent.languages.join(", ")}`;
  $("available").checked = agent.available;
  stream = openEvents(() => "/api/console/events", token, onEvent, {
    onOpen: () => {
      $("live").textContent = "live";
      $("live").className = "badge mode-human_active";
      refreshAll();
    },
    onAuthError: signOut,
  });
  refreshAll();
  setInterval(renderWaitTimes, 1000);
}

function onEvent(name, data) {
  if (name !== "board") return;
  // Several rows may change in a burst: refresh once.
  clearTimeout(refreshTimer);
  const touchesOpen = current && data.rows.some((row) => row.conversation_id === current);
  refreshTimer = setTimeout(() => refreshAll(touchesOpen), 80);
}

async function refreshAll(withConversation = true) {
  await Promise.all([loadQueue(), loadKpis(), withConversation && current ? loadConversation(current) : null]);
}

/* ----------------------------------------------------------------------------------------- queue */
async function loadQueue() {
  try {
    const view = await api("GET", "/api/queue", token);
    renderList($("queue"), view.waiting, $("queue-empty"));
    renderList($("mine"), view.mine, $("mine-empty"));
  } catch (error) {
    if (error.status === 401) signOut();
  }
}

function renderList(list, rows, empty) {
  list.replaceChildren(
    ...rows.map((row) =>
      el(
        "li",
        {
          class: "queue-item" + (row.conversation_id === current ? " selected" : ""),
          "data-conversation": row.conversation_id,
          onclick: () => openConversation(row.conversation_id),
        },
        el(
          "div",
          { class: "line" },
          el("span", { class: "name", text: row.customer_name || row.customer_id }),
          row.priority ? el("span", { class: `badge ${row.priority}`, text: row.priority }) : null,
        ),
        el(
          "div",
          { class: "meta" },
          [row.queue, row.language, row.channel].filter(Boolean).join(" · "),
          row.waiting_since ? el("span", { class: "wait", "data-since": row.waiting_since }, " · waiting " + since(row.waiting_since)) : null,
        ),
        row.reasons.length ? el("div", { class: "meta", text: row.reasons.join(", ") }) : null,
        row.assigned_to ? el("div", { class: "meta", text: row.assigned_to === agent.username ? "routed to you" : "routed to " + row.assigned_to }) : null,
      ),
    ),
  );
  empty.classList.toggle("hidden", rows.length > 0);
}

function renderWaitTimes() {
  for (const node of document.querySelectorAll(".wait[data-since]")) {
    node.textContent = " · waiting " + since(node.getAttribute("data-since"));
  }
}

/* ----------------------------------------------------------------------------------------- KPIs */
async function loadKpis() {
  try {
    const k = await api("GET", "/api/kpis", token);
    const reasons = Object.entries(k.escalation_reasons)
      .slice(0, 4)
      .map(([code, n]) => `${code} ${n}`)
      .join(" · ");
    const tile = (label, value, extra) => el("div", { class: "kpi" + (extra ? " wide" : "") }, el("div", { class: "value", text: value }), el("div", { class: "label", text: label }));
    $("kpis").replaceChildren(
      tile("containment", percent(k.containment_rate)),
      tile("escalation rate", percent(k.escalation_rate)),
      tile("time to pickup p50", duration(k.pickup_p50_s)),
      tile("waiting now", String(k.waiting_now)),
      tile("longest wait", duration(k.longest_wait_s)),
      tile("with a human", String(k.human_active_now)),
      tile("sentiment avg", k.sentiment_avg === null ? "–" : k.sentiment_avg.toFixed(2)),
      tile("conversations", String(k.conversations)),
      tile("escalation reasons", reasons || "–", true),
    );
  } catch (error) {
    /* the next board event retries */
  }
}

/* ----------------------------------------------------------------------------------------- conversation */
async function openConversation(id) {
  current = id;
  for (const item of document.querySelectorAll(".queue-item")) {
    item.classList.toggle("selected", item.getAttribute("data-conversation") === id);
  }
  $("action-error").textContent = "";
  await loadConversation(id);
}

async function loadConversation(id) {
  try {
    const d = await api("GET", `/api/conversations/${encodeURIComponent(id)}`, token);
    if (id !== current) return;
    detail = d;
    renderConversation(d);
    renderCard(d);
  } catch (error) {
    $("action-error").textContent = error.message;
  }
}

const MODE_TEXT = {
  ai_active: "with the AI",
  pending_human: "waiting for a human",
  human_active: "with a human",
  closed: "resolved",
};

function renderConversation(d) {
  $("conv-placeholder").classList.add("hidden");
  for (const id of ["conv-head", "transcript", "reply-box"]) $(id).classList.remove("hidden");
  const c = d.customer;
  $("conv-title").textContent = c.is_guest ? `Guest ${c.id}` : `${c.name} · ${c.tier}`;
  $("conv-sub").textContent = `${d.row.conversation_id} · ${d.row.channel} · ${d.row.language}` + (d.assigned_agent ? ` · ${d.assigned_agent}` : "");
  $("conv-mode").textContent = MODE_TEXT[d.mode] || d.mode;
  $("conv-mode").className = `badge mode-${d.mode}`;
  const mine = d.mode === "human_active" && (d.row.assigned_to === agent.username || agent.role === "admin");
  $("takeover").disabled = !(d.mode === "pending_human" || d.mode === "ai_active");
  $("handback").disabled = !mine;
  $("resolve").disabled = d.mode === "closed" || (d.mode === "human_active" && !mine);
  $("reply-send").disabled = !mine;
  $("reply-text").disabled = !mine;
  $("reply-text").placeholder = mine ? "Reply to the customer…" : "Take over to reply.";
  const box = $("transcript");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(
    ...d.messages.map((m) =>
      el(
        "div",
        { class: `msg ${m.kind}`, "data-kind": m.kind, "data-id": m.id },
        m.kind === "system" ? null : el("span", { class: "author", text: m.author }),
        m.kind === "system" ? `— ${m.event}: ${m.text} —` : m.text,
      ),
    ),
  );
  if (atBottom || box.dataset.conversation !== d.row.conversation_id) box.scrollTop = box.scrollHeight;
  box.dataset.conversation = d.row.conversation_id;
}

function sparkline(values) {
  const width = 160;
  const height = 34;
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("class", "spark");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "sentiment per customer turn: " + values.map((v) => v.toFixed(2)).join(", "));
  const zero = document.createElementNS(svgNS, "line");
  zero.setAttribute("x1", 0);
  zero.setAttribute("x2", width);
  zero.setAttribute("y1", height / 2);
  zero.setAttribute("y2", height / 2);
  zero.setAttribute("stroke", "#d0d5dd");
  zero.setAttribute("stroke-dasharray", "3 3");
  svg.append(zero);
  if (values.length) {
    const step = values.length > 1 ? width / (values.length - 1) : 0;
    const points = values.map((v, i) => `${(i * step).toFixed(1)},${((1 - (v + 1) / 2) * (height - 4) + 2).toFixed(1)}`);
    const line = document.createElementNS(svgNS, "polyline");
    line.setAttribute("points", points.join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", values[values.length - 1] < -0.2 ? "#c62828" : "#2f5bea");
    line.setAttribute("stroke-width", "2");
    svg.append(line);
  }
  return svg;
}

function section(title, items, empty) {
  return [
    el("h3", { text: title }),
    items.length ? el("ul", {}, items) : el("div", { class: "muted", text: empty }),
  ];
}

function renderCard(d) {
  const card = $("card");
  const p = d.packet;
  $("card-placeholder").classList.add("hidden");
  card.classList.remove("hidden");
  const parts = [el("h3", { text: "Handoff card" })];
  if (!p) {
    parts.push(el("div", { class: "muted", text: "No handoff yet: the AI is handling this conversation." }));
  } else {
    parts.push(
      el("div", { class: "summary", "data-testid": "summary", text: p.summary }),
      el(
        "div",
        { class: "route" },
        el("span", { class: `badge ${p.route.priority}`, text: p.route.priority }),
        el("span", { class: "badge", text: `queue ${p.route.queue}` }),
        el("span", { class: "badge", text: `skill ${p.route.skill}` }),
        el("span", { class: "badge", text: p.route.language }),
        el("span", { class: "badge", text: `${p.intent} ${(p.intent_confidence * 100).toFixed(0)}%` }),
      ),
      ...section(
        "Why it was handed off",
        p.reasons.map((r) => el("li", { class: "reason" }, el("code", { text: r.code }), " ", r.evidence)),
        "—",
      ),
      el("h3", { text: `Sentiment trend · ${p.sentiment.direction}` }),
      sparkline(d.sentiment),
      ...section(
        "Facts",
        p.facts.map((f) => el("li", {},
          el("b", { text: f.name }), ` = ${f.value} `, el("span", { class: "prov", text: `[${f.set_by ? f.set_by + ", " : ""}${f.source}]` }),
          ...(f.superseded || []).map((v) => el("div", { class: "prov", text: `was ${v.value} [${v.set_by ? v.set_by + ", " : ""}${v.source}]` })),
        )),
        "none",
      ),
      ...section(
        "Tried",
        p.attempts.map((a) => el("li", {}, `${a.by}: ${a.action} ${a.target} → `, el("b", { text: a.outcome }), a.detail ? ` (${a.detail})` : "")),
        "nothing yet",
      ),
      ...section(
        "Promised",
        p.commitments.map((c) => el("li", {}, `${c.by}: ${c.what}`, c.due ? ` (by ${c.due.slice(0, 10)})` : "")),
        "nothing",
      ),
      ...section("Missing facts (ask for these)", p.missing_facts.map((m) => el("li", { text: m })), "none"),
      ...section("Open questions", p.open_questions.map((q) => el("li", { text: q })), "none"),
      ...section("Memory highlights", p.memory_highlights.map((h) => el("li", { text: h })), "none"),
      el("h3", { text: "Suggested next step" }),
      el("div", { text: p.suggested_next_step }),
    );
  }
  if (!p) parts.push(el("h3", { text: "Sentiment trend" }), sparkline(d.sentiment));
  if (d.briefing) parts.push(el("h3", { text: "Briefing for the AI" }), el("div", { text: d.briefing }));
  card.replaceChildren(...parts);
}

/* ----------------------------------------------------------------------------------------- commands */
async function command(path, body) {
  if (!current) return;
  $("action-error").textContent = "";
  try {
    await api("POST", `/api/conversations/${encodeURIComponent(current)}/${path}`, token, body);
    await refreshAll();
  } catch (error) {
    $("action-error").textContent = error.message;
  }
}

$("signin").addEventListener("submit", signIn);
$("signout").addEventListener("click", signOut);
$("takeover").addEventListener("click", () => command("takeover"));
$("resolve").addEventListener("click", () => command("resolve"));
/** "a=1; b=2" as [{name, value}]; a part without "=" is an error the server reports (an empty name). */
function changedFacts(text) {
  return text.split(";").map((part) => part.trim()).filter(Boolean).map((part) => {
    const at = part.indexOf("=");
    return at < 0 ? { name: "", value: part } : { name: part.slice(0, at).trim(), value: part.slice(at + 1).trim() };
  });
}

$("handback").addEventListener("click", async () => {
  const ids = ["handback-note", "handback-facts", "handback-promised"];
  await command("hand-back", {
    note: $("handback-note").value.trim(),
    facts: changedFacts($("handback-facts").value),
    promises: $("handback-promised").value.split(";").map((p) => p.trim()).filter(Boolean).map((what) => ({ what })),
  });
  if (!$("action-error").textContent) ids.forEach((id) => { $(id).value = ""; });
});
$("reply-box").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text) return;
  await command("reply", { text });
  $("reply-text").value = "";
});
$("available").addEventListener("change", async () => {
  try {
    agent = await api("PUT", "/api/agents/me/availability", token, { available: $("available").checked });
  } catch (error) {
    $("available").checked = !$("available").checked;
  }
});
resume();

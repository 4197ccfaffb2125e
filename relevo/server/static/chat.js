/* The customer's web chat: start a session, send messages (queued → delivered ticks), live replies over SSE.
   Its words come from the page (#page-texts, one table per desk language): it speaks the language the server
   chose (Accept-Language, else the desk's default) until the conversation's own language is known. */
"use strict";

const KEY = "relevo.chat";
const $ = (id) => document.getElementById(id);
const TEXTS = JSON.parse($("page-texts").textContent);

let language = document.documentElement.lang;
let session = null; // {conversation_id, token, customer}
let stream = null;
let shown = 0; // transcript messages rendered
let lastStatus = null; // the latest status event, to redraw the banner in another language
let typingWho = null; // the human agent's name while one writes; null: the assistant
const outbox = []; // {id, text, acceptedAt, recorded, processed, node}

/* The text `key` in the page's language, with {name} placeholders filled from `values`. A key the language
   lacks is an error, never another language's text (the server checks every table has every key). */
function t(key, values = {}) {
  const text = TEXTS[language] && TEXTS[language][key];
  if (text === undefined) throw new Error(`no page text ${key} in ${language}`);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/* Speak `lang` (one of the desk's languages): the fixed words, then everything drawn so far. */
function useLanguage(lang) {
  if (!lang || lang === language || !(lang in TEXTS)) return;
  language = lang;
  document.documentElement.lang = lang;
  document.title = t("title");
  document.querySelector(".chat-head h1").textContent = t("heading");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-placeholder]")) node.placeholder = t(node.dataset.tPlaceholder);
  for (const node of document.querySelectorAll("[data-t-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.tAriaLabel));
  }
  for (const node of document.querySelectorAll(".msg.ai .author")) node.textContent = t("assistant");
  for (const node of document.querySelectorAll(".ticks[data-tick]")) node.title = t(node.dataset.tick);
  showWho();
  if (lastStatus) showStatus(lastStatus);
}

function showWho() {
  if (!session) $("who").textContent = t("intro");
  else if (session.customer.is_guest) $("who").textContent = t("chatting_as_guest");
  else $("who").textContent = t("chatting_as", { name: session.customer.name, tier: session.customer.tier });
}

function saveSession() {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

async function loadCustomers() {
  try {
    const customers = await api("GET", "/api/chat/customers");
    for (const c of customers) {
      $("customer").append(el("option", { value: c.id, text: `${c.name} · ${c.tier} · ${c.language}` }));
    }
  } catch (error) {
    $("start-error").textContent = t("customers_failed", { error: error.message });
  }
}

async function begin() {
  $("start-error").textContent = "";
  $("begin").disabled = true;
  try {
    const customer = $("customer").value || null;
    session = await api("POST", "/api/chat/sessions", null, { customer_id: customer });
    saveSession();
    enterChat();
  } catch (error) {
    $("start-error").textContent = error.message;
  } finally {
    $("begin").disabled = false;
  }
}

function enterChat() {
  $("start").classList.add("hidden");
  for (const id of ["messages", "composer", "restart"]) $(id).classList.remove("hidden");
  showWho();
  $("messages").replaceChildren();
  shown = 0;
  outbox.length = 0;
  stream = openEvents(
    () => `/api/chat/conversations/${encodeURIComponent(session.conversation_id)}/events?after=${shown}`,
    session.token,
    onEvent,
    { onAuthError: restart },
  );
  $("text").focus();
}

function restart() {
  if (stream) stream.stop();
  stream = null;
  session = null;
  sessionStorage.removeItem(KEY);
  $("start").classList.remove("hidden");
  for (const id of ["messages", "composer", "restart", "banner", "typing"]) $(id).classList.add("hidden");
  lastStatus = null;
  showWho();
}

function onEvent(name, data) {
  if (name === "message") {
    shown += 1;
    if (data.kind === "customer") {
      const first = outbox.find((item) => !item.recorded);
      if (first) first.recorded = true;
    }
    renderMessage(data);
    refreshOutbox();
  } else if (name === "status") {
    useLanguage(data.language);
    shown = Math.max(shown, data.count);
    // Messages accepted before the server looked, minus those still pending there, were processed (in order).
    const before = outbox.filter((item) => item.acceptedAt < data.at);
    const processed = before.length - data.pending;
    before.slice(0, Math.max(0, processed)).forEach((item) => (item.processed = true));
    refreshOutbox();
    showStatus(data);
  }
}

function renderMessage(message) {
  const box = $("messages");
  const node = el(
    "div",
    { class: `msg ${message.kind}`, "data-kind": message.kind, "data-id": message.id },
    message.kind === "customer"
      ? null
      : el("span", { class: "author", text: message.kind === "ai" ? t("assistant") : message.author }),
    message.text,
    message.kind === "customer"
      ? el("span", { class: "ticks", "data-tick": "tick_seen", title: t("tick_seen"), text: "✓✓" })
      : null,
  );
  const firstQueued = box.querySelector(".msg.queued");
  box.insertBefore(node, firstQueued);
  if (message.kind === "human_agent") typingWho = message.author;
  box.scrollTop = box.scrollHeight;
}

function refreshOutbox() {
  for (const item of outbox) {
    const hide = item.recorded || item.processed;
    if (hide && item.node) {
      item.node.remove();
      item.node = null;
    }
  }
}

function showStatus(status) {
  lastStatus = status;
  const banner = $("banner");
  banner.className = "banner";
  if (status.mode === "pending_human") {
    banner.textContent = t("banner_pending");
  } else if (status.mode === "human_active") {
    banner.classList.add("human");
    banner.textContent = t("banner_human");
  } else if (status.mode === "closed") {
    banner.classList.add("closed");
    banner.textContent = t("banner_closed");
  } else {
    banner.classList.add("hidden");
  }
  if (status.mode !== "human_active") typingWho = null;
  $("typing-text").textContent = t("typing", { who: typingWho || t("assistant") });
  $("typing").classList.toggle("hidden", !status.typing);
}

async function send(event) {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text || !session) return;
  $("text").value = "";
  const id = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  const node = el(
    "div",
    { class: "msg customer queued", "data-kind": "customer", "data-client-id": id },
    text,
    el("span", { class: "ticks", "data-tick": "tick_sent", title: t("tick_sent"), text: "✓" }),
  );
  $("messages").append(node);
  $("messages").scrollTop = $("messages").scrollHeight;
  const item = { id, text, acceptedAt: Infinity, recorded: false, processed: false, node };
  outbox.push(item);
  try {
    const accepted = await api(
      "POST",
      `/api/chat/conversations/${encodeURIComponent(session.conversation_id)}/messages`,
      session.token,
      { text, client_message_id: id },
    );
    item.acceptedAt = accepted.accepted_at;
    node.classList.add("sent");
  } catch (error) {
    const ticks = node.querySelector(".ticks");
    ticks.textContent = t("not_sent", { error: error.message });
    ticks.removeAttribute("data-tick");
    node.classList.add("failed");
  }
}

$("begin").addEventListener("click", begin);
$("restart").addEventListener("click", restart);
$("composer").addEventListener("submit", send);
loadCustomers();
const saved = sessionStorage.getItem(KEY);
if (saved) {
  session = JSON.parse(saved);
  enterChat();
}

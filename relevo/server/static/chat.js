/* The customer's web chat: start a session, send messages (queued → delivered ticks), live replies over SSE. */
"use strict";

const KEY = "relevo.chat";
const $ = (id) => document.getElementById(id);

let session = null; // {conversation_id, token, customer}
let stream = null;
let shown = 0; // transcript messages rendered
const outbox = []; // {id, text, acceptedAt, recorded, processed, node}

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
    $("start-error").textContent = "Could not load the test customers: " + error.message;
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
  const c = session.customer;
  $("who").textContent = c.is_guest ? "Chatting as a guest" : `Chatting as ${c.name} (${c.tier})`;
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
  $("who").textContent = "Chat with our assistant; a person takes over whenever you need one.";
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
    message.kind === "customer" ? null : el("span", { class: "author", text: message.author }),
    message.text,
    message.kind === "customer" ? el("span", { class: "ticks", title: "delivered", text: "✓✓" }) : null,
  );
  const firstQueued = box.querySelector(".msg.queued");
  box.insertBefore(node, firstQueued);
  if (message.kind === "human_agent") $("typing-who").textContent = message.author;
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
  const banner = $("banner");
  banner.className = "banner";
  if (status.mode === "pending_human") {
    banner.textContent = "Connecting you with a person from our team…";
  } else if (status.mode === "human_active") {
    banner.classList.add("human");
    banner.textContent = "You are talking to a person from our team.";
  } else if (status.mode === "closed") {
    banner.classList.add("closed");
    banner.textContent = "This conversation is resolved. Write again if you need anything else.";
  } else {
    banner.classList.add("hidden");
  }
  if (status.mode !== "human_active") $("typing-who").textContent = "Assistant";
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
    el("span", { class: "ticks", title: "sent", text: "✓" }),
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
    node.querySelector(".ticks").textContent = "not sent: " + error.message;
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

/* Shared by the chat page and the console: DOM building, the JSON API, and server-sent events over fetch
   (so the token travels in the Authorization header, never in a URL that could end up in a log). */
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/* A 422's detail is a list of {loc, msg}: one "field: message" line each, the field being where in the body,
   query or path it was ("text", "skills.0"); any other error's detail is already a sentence. */
function problemText(detail) {
  if (typeof detail === "string") return detail;
  if (!Array.isArray(detail)) return JSON.stringify(detail);
  return detail
    .map((problem) => {
      const loc = (Array.isArray(problem.loc) ? problem.loc : []).filter(
        (part, i) => !(i === 0 && ["body", "query", "path", "header"].includes(part)),
      );
      return (loc.length ? loc.join(".") + ": " : "") + (problem.msg || "invalid");
    })
    .join("\n");
}

class ApiError extends Error {
  constructor(status, detail) {
    super(problemText(detail));
    this.status = status;
  }
}

async function api(method, path, token, body) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.detail || response.statusText);
  return data;
}

/* Reads an SSE stream with fetch and calls onEvent(name, data); reconnects until stop() is called.
   onOpen() runs at every (re)connection; url() is called again at each one (it may carry a cursor). */
function openEvents(url, token, onEvent, { onOpen, onAuthError } = {}) {
  let stopped = false;
  let controller = null;
  async function run() {
    let delay = 500;
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(url(), {
          headers: { Accept: "text/event-stream", Authorization: "Bearer " + token },
          signal: controller.signal,
          cache: "no-store",
        });
        if (response.status === 401 || response.status === 403) {
          if (onAuthError) onAuthError(response.status);
          return;
        }
        if (!response.ok || !response.body) throw new Error("stream failed: " + response.status);
        if (onOpen) onOpen();
        delay = 500;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let name = "message";
            const lines = [];
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) name = line.slice(6).trim();
              else if (line.startsWith("data:")) lines.push(line.slice(5).trimStart());
            }
            if (lines.length) onEvent(name, JSON.parse(lines.join("\n")));
          }
        }
      } catch (error) {
        if (stopped) return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
  run();
  return {
    stop() {
      stopped = true;
      if (controller) controller.abort();
    },
  };
}

function since(iso) {
  if (!iso) return "";
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return Math.round(seconds) + "s";
  if (seconds < 3600) return Math.round(seconds / 60) + "m";
  return (seconds / 3600).toFixed(1) + "h";
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return Math.round(seconds) + "s";
  if (seconds < 3600) return (seconds / 60).toFixed(1) + "m";
  return (seconds / 3600).toFixed(1) + "h";
}

function percent(value) {
  return value === null || value === undefined ? "–" : Math.round(value * 100) + "%";
}

// The chat page: plain browser JavaScript, no build step, nothing loaded from the internet.
// The server streams each answer as newline-delimited JSON events: decision, delta..., done | error.
"use strict";

const $ = (id) => document.getElementById(id);
let conversationId = null;
let maxChars = 2000;
let busy = false;
let examples = [];

// ---- small helpers ----------------------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text; // never innerHTML: text is untrusted
  return node;
}

function money(usd) {
  if (!usd) return "$0";
  return usd < 0.01 ? "$" + usd.toPrecision(2) : "$" + usd.toFixed(4);
}

function seconds(s) {
  return s === null || s === undefined ? "–" : s.toFixed(s < 10 ? 2 : 1) + " s";
}

function showNotice(message, kind) {
  const notice = $("notice");
  notice.textContent = message;
  notice.className = kind || "";
  notice.hidden = false;
}

function clearNotice() {
  $("notice").hidden = true;
  $("notice").textContent = "";
}

// Every change is sent as JSON: the server refuses any other type, so another site cannot post a form here.
async function api(method, path, body) {
  let response;
  const sendsBody = method !== "GET";
  try {
    response = await fetch(path, {
      method,
      headers: sendsBody ? { "Content-Type": "application/json" } : {},
      body: sendsBody ? JSON.stringify(body || {}) : undefined,
    });
  } catch (error) {
    throw new Error("The chat server does not answer (" + error.message + "). Is `python -m modules.chat_app` still running?");
  }
  if (!response.ok) {
    const reply = await response.json().catch(() => ({}));
    const error = new Error(reply.error || reply.detail || response.status + " " + response.statusText);
    error.code = reply.code; // e.g. "unsaved_exchanges": the page can offer the fix
    throw error;
  }
  return response;
}

function setBusy(value) {
  busy = value;
  for (const id of ["send", "new-conversation", "save-conversation", "resume-conversation"]) $(id).disabled = value;
  document.querySelectorAll(".decide").forEach((button) => (button.disabled = value));
}

// ---- drawing ------------------------------------------------------------------------------------

function addMessage(role, text) {
  const node = el("article", "msg " + role);
  node.append(el("div", "content", text));
  $("conversation").append(node);
  node.scrollIntoView({ block: "end" });
  return node;
}

function reasonsList(reasons, tier) {
  const details = el("details", "reasons");
  details.append(el("summary", null, "why " + tier + " (" + reasons.length + " reason" + (reasons.length === 1 ? "" : "s") + ")"));
  const list = el("ul");
  for (const reason of reasons) list.append(el("li", null, reason));
  details.append(list);
  return details;
}

// While streaming: what the router decided. Replaced by the final badge when the answer is in.
function drawDecision(node, decision) {
  const badge = el("div", "badge");
  const tier = decision.answering_tier;
  badge.append(el("span", "tier " + tier, tier.toUpperCase()));
  if (decision.confidence !== null) badge.append(el("span", "confidence", "confidence " + decision.confidence.toFixed(2)));
  if (decision.mode) badge.append(el("span", "mode-used", decision.mode + " mode"));
  if (decision.forced) badge.append(el("span", "mark forced", "forced"));
  if (decision.escalated) badge.append(el("span", "mark escalated", "⤴ local answer unsure: escalated"));
  if (decision.fell_back) badge.append(el("span", "mark fallback", "↯ " + decision.failed_tier + " failed: falling back"));
  badge.append(el("span", "muted progress", "answering…"));
  node.querySelector(".badge")?.remove();
  node.querySelector(".reasons")?.remove();
  node.prepend(badge, reasonsList(decision.reasons, tier));
}

// The per-answer badge, from the exchange's routing metadata (the same dict the notebooks analyse).
function drawExchange(node, x) {
  node.className = "msg assistant " + x.source;
  node.dataset.tier = x.source;
  node.dataset.switched = String(!!x.switched);
  node.dataset.fellBack = String(!!x.fell_back);
  node.dataset.forced = String(!!x.forced);
  node.dataset.turn = String(x.turn);
  const badge = el("div", "badge");
  badge.append(el("span", "tier " + x.source, x.source.toUpperCase()));
  badge.append(el("span", "model", x.model || "unknown model"));
  if (x.confidence !== null && x.confidence !== undefined) {
    badge.append(el("span", "confidence", "confidence " + x.confidence.toFixed(2)));
  }
  if (x.mode) badge.append(el("span", "mode-used", x.mode + " mode"));
  badge.append(el("span", "latency", seconds(x.response_time_s)));
  const tokensIn = x.input_tokens ?? "?";
  const tokensOut = x.output_tokens ?? "?";
  badge.append(el("span", "tokens", tokensIn + " → " + tokensOut + " tokens"));
  if (x.messages_sent) {
    // What this tier was given, after compaction for its window (the exchange's record), in words on the badge.
    const count = x.messages_sent + " message" + (x.messages_sent === 1 ? "" : "s") + " sent";
    const measured = x.received && x.received.history_messages !== undefined;
    const sent = el("span", "sent", measured ? "received " + received(x.received) : count);
    sent.title = count + (x.received?.tokens ? " (" + x.received.tokens + " tokens)" : "") + ": the new question and "
      + (measured ? received(x.received) : "the whole conversation so far");
    badge.append(sent);
  }
  if (x.switched) badge.append(el("span", "mark switch", "⇄ switched to " + x.source));
  if (x.escalated && x.cascade) {
    // The cascade's local answer was judged unsure: the cloud answered; the local tokens were spent for nothing.
    const mark = el("span", "mark escalated", "⤴ escalated: " + x.cascade.wasted_local_tokens + " local tokens wasted");
    mark.title = "local answer (not served): " + x.cascade.local_answer;
    badge.append(mark);
  }
  if (x.fell_back) {
    const mark = el("span", "mark fallback", "↯ fell back: " + (x.failed_tier || "the routed tier") + " failed");
    if (x.error) mark.title = x.error;
    badge.append(mark);
  }
  if (x.forced) badge.append(el("span", "mark forced", "forced"));
  node.querySelector(".badge")?.remove();
  node.querySelector(".reasons")?.remove();
  node.prepend(badge, reasonsList(x.reasons || [], x.source));
}

function drawPanel(panel) {
  const local = panel.routing_distribution.local || 0;
  const cloud = panel.routing_distribution.cloud || 0;
  const total = local + cloud;
  $("local-count").textContent = local;
  $("cloud-count").textContent = cloud;
  $("switch-count").textContent = panel.model_switches;
  $("fallback-count").textContent = panel.fallbacks;
  $("forced-count").textContent = panel.forced;
  document.querySelector("#distribution-bar .local").style.width = total ? (100 * local) / total + "%" : "0";
  document.querySelector("#distribution-bar .cloud").style.width = total ? (100 * cloud) / total + "%" : "0";
  $("cost").textContent = money(panel.cost_usd);
  $("all-cloud-cost").textContent = money(panel.all_cloud_usd);
  const saving = panel.saving_vs_all_cloud;
  $("saved").textContent = saving === null ? "–" : money(panel.all_cloud_usd - panel.cost_usd);
  $("saved-share").textContent = saving === null ? "–" : Math.round(100 * saving) + "%";
  $("local-latency").textContent = seconds(panel.by_source.local.mean_response_time_s);
  $("cloud-latency").textContent = seconds(panel.by_source.cloud.mean_response_time_s);
}

function drawSaveState(exchanges, saved) {
  const unsaved = exchanges - saved;
  $("save-state").textContent = exchanges === 0 ? "" : unsaved > 0 ? unsaved + " unsaved" : "saved";
  $("save-state").dataset.unsaved = String(unsaved);
}

function drawConversation(state) {
  conversationId = state.conversation_id;
  $("conversation-id").textContent = conversationId;
  history.replaceState(null, "", "#" + conversationId);
  localStorage.setItem("lastConversation", conversationId);
  const box = $("conversation");
  box.replaceChildren();
  for (const entry of state.transcript) {
    if (entry.role === "tool") {
      drawToolCall(entry);
      continue;
    }
    const node = addMessage(entry.role, entry.content);
    if (entry.role === "assistant" && entry.exchange) drawExchange(node, entry.exchange);
  }
  drawPanel(state.panel);
  drawSaveState(state.exchanges, state.saved_exchanges);
}

// ---- actions ------------------------------------------------------------------------------------

// Leaving a conversation (New, Resume another) saves it first, so no answered question is lost.
async function saveBeforeLeaving() {
  if (!conversationId || Number($("save-state").dataset.unsaved || 0) === 0) return "";
  const path = "/api/conversations/" + encodeURIComponent(conversationId) + "/save";
  let result;
  try {
    result = await (await api("POST", path)).json();
  } catch (error) {
    // Another page saved it first: nothing was overwritten, and leaving drops nothing (it stays open here).
    if (error.code !== "save_conflict") throw error;
    return error.message + " It stays open on this server as " + conversationId + ". ";
  }
  drawSaveState(result.saved_exchanges, result.saved_exchanges);
  refreshSavedIds();
  return "Saved " + result.conversation_id + " (" + result.saved_exchanges + " exchange(s)) before leaving it. ";
}

async function reload() {
  const path = "/api/conversations/" + encodeURIComponent(conversationId);
  drawConversation(await (await api("GET", path)).json());
}

async function newConversation() {
  const saved = await saveBeforeLeaving();
  const state = await (await api("POST", "/api/conversations")).json();
  drawConversation(state);
  if (saved) showNotice(saved, "info");
}

async function saveConversation() {
  const result = await (await api("POST", "/api/conversations/" + encodeURIComponent(conversationId) + "/save")).json();
  drawSaveState(result.saved_exchanges, result.saved_exchanges);
  showNotice("Saved " + result.saved_exchanges + " exchange(s) as " + result.conversation_id + " in " + result.store + ".", "info");
  refreshSavedIds();
}

async function resumeConversation() {
  const id = $("resume-id").value.trim();
  const saved = id === conversationId ? "" : await saveBeforeLeaving();
  let state;
  try {
    state = await (await api("POST", "/api/resume", { conversation_id: id })).json();
  } catch (error) {
    // The open copy has answers the store lacks (e.g. another page saved first): drop them only if asked to.
    if (error.code !== "unsaved_exchanges" || !confirm(error.message + "\n\nDrop them and load the stored copy?")) {
      throw error;
    }
    state = await (await api("POST", "/api/resume", { conversation_id: id, discard_unsaved: true })).json();
  }
  drawConversation(state);
  showNotice(saved + "Resumed " + state.conversation_id + " from the store: " + state.exchanges + " exchange(s).", "info");
}

async function refreshSavedIds() {
  try {
    const saved = await (await api("GET", "/api/saved")).json();
    $("saved-ids").replaceChildren(...saved.map((s) => Object.assign(el("option"), { value: s.conversation_id })));
  } catch (error) {
    // The list is a convenience; typing an id still works.
  }
}

async function send(text, forceTier, toolChoice) {
  const userNode = addMessage("user", text);
  const answer = addMessage("assistant", "");
  const content = answer.querySelector(".content");
  let finished = false;
  const fail = (message) => {
    answer.className = "msg assistant failed";
    const progress = answer.querySelector(".progress");
    if (progress) progress.textContent = "not answered";
    content.textContent = message;
    userNode.dataset.unanswered = "true";
    $("message").value = $("message").value || text; // the question is not lost: it is back in the box
    showNotice(message);
  };
  let response;
  try {
    response = await api("POST", "/api/conversations/" + encodeURIComponent(conversationId) + "/messages", {
      text,
      force_tier: forceTier,
      mode: $("route-mode").value,
      tool: toolChoice,
      strategy: $("route-strategy").value,
    });
  } catch (error) {
    userNode.remove();
    answer.remove();
    $("message").value = text;
    showNotice(error.message);
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const event = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if (event.event === "decision") {
          if (event.fell_back) content.textContent = ""; // the failed tier's partial text is not the answer
          drawDecision(answer, event);
        }
        else if (event.event === "delta") content.textContent += event.text;
        else if (event.event === "done") {
          content.textContent = event.text;
          drawExchange(answer, event.exchange);
          drawPanel(event.panel);
          drawSaveState(event.exchanges, event.saved_exchanges);
          finished = true;
          // The turn called a tool (or waits for an approval): draw the calls between question and answer.
          if ((event.pending || []).length || (event.exchange.tool_calls || []).length) await reload();
        } else if (event.event === "error") {
          fail(event.message);
          finished = true;
          if (event.recorded) await reload(); // the server kept an answer after all: show what it holds
        }
        answer.scrollIntoView({ block: "end" });
      }
    }
  } catch (error) {
    fail("The answer stopped arriving (" + error.message + "). Reload the page: the conversation is kept on the server.");
    return;
  }
  if (!finished) fail("The answer ended early. Reload the page: the conversation is kept on the server.");
}

function guarded(action) {
  return async (event) => {
    event?.preventDefault();
    if (busy) return;
    clearNotice();
    setBusy(true);
    try {
      await action();
    } catch (error) {
      showNotice(error.message);
    } finally {
      setBusy(false);
    }
  };
}

const submit = guarded(async () => {
  const text = $("message").value;
  if (!text.trim()) throw new Error("The message is empty. Type a question, then press Send.");
  if (text.trim().length > maxChars) {
    throw new Error("The message has " + text.trim().length + " characters; the limit is " + maxChars + ". Shorten it.");
  }
  const forceTier = $("force-tier").value;
  const toolChoice = $("tool-choice").value;
  $("message").value = "";
  $("force-tier").value = "auto"; // forcing applies to one question only
  $("tool-choice").value = "none"; // and so does naming a tool
  updateCharCount();
  await send(text, forceTier, toolChoice);
});

// Example questions, each labelled with the tier the router sends it to in the chosen mode (a new conversation).
function drawExamples() {
  const mode = $("route-mode").value;
  const box = $("examples");
  box.querySelectorAll("button").forEach((button) => button.remove());
  for (const example of examples) {
    const tier = example.tiers[mode];
    const button = el("button", "example " + (tier || ""));
    button.type = "button";
    button.dataset.tier = tier || "";
    button.append(el("span", "example-text", example.text));
    if (tier) button.append(el("span", "tier " + tier, tier.toUpperCase()));
    button.title = "in " + mode + " mode the router sends this to the " + tier + " tier (as a first question)";
    button.addEventListener("click", () => {
      $("message").value = example.text;
      updateCharCount();
      $("message").focus();
    });
    box.append(button);
  }
}

function drawModes(modes, defaultMode) {
  const saved = localStorage.getItem("routeMode");
  $("route-mode").replaceChildren(...modes.map((mode) => Object.assign(el("option", null, mode), { value: mode })));
  $("route-mode").value = modes.includes(saved) ? saved : defaultMode;
}

function updateCharCount() {
  const n = $("message").value.trim().length;
  $("char-count").textContent = n > maxChars * 0.8 ? n + " / " + maxChars : "";
}

// ---- start --------------------------------------------------------------------------------------

async function start() {
  $("composer").addEventListener("submit", submit);
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) submit(event);
  });
  $("message").addEventListener("input", updateCharCount);
  $("new-conversation").addEventListener("click", guarded(newConversation));
  $("save-conversation").addEventListener("click", guarded(saveConversation));
  $("resume-conversation").addEventListener("click", guarded(resumeConversation));
  $("route-mode").addEventListener("change", () => {
    localStorage.setItem("routeMode", $("route-mode").value);
    drawExamples();
  });

  const about = await (await api("GET", "/api/about")).json();
  maxChars = about.max_message_chars;
  $("mode").textContent = about.mode;
  $("mode").className = "pill " + about.mode;
  $("tiers").textContent = "local: " + about.local_model + " · cloud: " + about.cloud_model;
  examples = about.examples || [];
  drawModes(about.modes, about.default_mode);
  drawExamples();
  drawToolChoices(about.tools || []);

  // A reload keeps the open conversation (the server holds it); otherwise start a new one.
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted) {
    try {
      drawConversation(await (await api("GET", "/api/conversations/" + encodeURIComponent(wanted))).json());
    } catch (error) {
      await newConversation();
      $("resume-id").value = wanted;
      showNotice("Conversation " + wanted + " is not open on this server. Press Resume to load its saved copy.", "info");
    }
  } else {
    await newConversation();
  }
  refreshSavedIds();
  document.body.dataset.ready = "true";
}

start().catch((error) => showNotice(error.message));

// What the tier was given, in words: the phrase of modules.hybrid.compaction.describe_received.
function received(r) {
  const kept = r.history_messages || 0, summarised = r.messages_summarised || 0, left = r.messages_excluded || 0;
  if (!summarised && !left) return kept ? "the whole conversation (" + kept + " earlier messages)" : "no earlier messages";
  let text = kept + " recent messages";
  if (summarised) text += " + summary of " + summarised;
  return left ? text + "; " + left + " left out" : text;
}

// ---- tool calls and approvals -------------------------------------------------------------------

// The Tool choice: none by default (no tool is offered to the model), the model's own choice, or one tool by name.
function drawToolChoices(tools) {
  const options = [Object.assign(el("option", null, "no tool"), { value: "none" })];
  if (tools.length) options.push(Object.assign(el("option", null, "model decides"), { value: "auto" }));
  for (const tool of tools) {
    const label = tool.name + (tool.needs_approval ? " (needs approval)" : "");
    options.push(Object.assign(el("option", null, label), { value: tool.name, title: tool.description }));
  }
  $("tool-choice").replaceChildren(...options);
  $("tool-choice").disabled = !tools.length;
}

function argumentsText(args) {
  if (args === null || typeof args !== "object") return String(args ?? "");
  return Object.entries(args).map(([name, value]) => name + ": " + JSON.stringify(value)).join(", ");
}

// One tool call between the question and the answer: what was called, and its result or its approval.
function drawToolCall(entry) {
  const node = el("article", "msg tool " + entry.status);
  node.dataset.tool = entry.tool;
  node.dataset.status = entry.status;
  node.append(el("div", "call", "🔧 " + entry.tool + "(" + argumentsText(entry.arguments) + ")"));
  if (entry.status === "done") node.append(el("div", "result", "→ " + entry.result));
  if (entry.status === "rejected") node.append(el("div", "result", "rejected: the tool did not run"));
  if (entry.status === "pending") {
    node.dataset.requestId = entry.request_id;
    const row = el("div", "decision");
    row.append(el("span", "muted", "waits for your approval "));
    for (const [label, approve] of [["Approve", true], ["Reject", false]]) {
      const button = el("button", "decide " + label.toLowerCase(), label);
      button.type = "button";
      button.addEventListener("click", guarded(() => decideCall(entry, approve)));
      row.append(button);
    }
    node.append(row);
  }
  $("conversation").append(node);
  node.scrollIntoView({ block: "end" });
  return node;
}

async function decideCall(entry, approve) {
  const path = "/api/conversations/" + encodeURIComponent(conversationId) + "/approvals/" + encodeURIComponent(entry.request_id);
  let state;
  try {
    state = await (await api("POST", path, { approve })).json();
  } catch (error) {
    // Decided already (another page, or twice) or moved on: show the conversation as the server holds it.
    if (error.code === "approval_conflict") await reload();
    throw error;
  }
  drawConversation(state);
  const what = approve ? "Approved: " + entry.tool + " ran once" : "Rejected: " + entry.tool + " did not run";
  showNotice(what + "; the decision and the answer are saved in " + conversationId + ".", "info");
}

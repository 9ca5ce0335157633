/* The sandbox page: one simulated user's Slack, long-polled from the page server's JSON API.
 * Everything the person does goes to /api/*, which sends the bot what Slack would (signed). */
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const BK = window.BlockKit;
  const S = {
    user: localStorage.getItem("sandbox-user") || "",
    version: -1, data: null, tab: "messages", poll: null,
    modalKey: null, homeKey: null, messages: new Map(), history: [], historyAt: 0,
  };

  // -- helpers -------------------------------------------------------------------------------------
  async function api(path, body) {
    try {
      const res = await fetch(path, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
      if (data.warning) toast(data.warning, "warn");
      return data;
    } catch (e) {
      return { ok: false, error: "the sandbox is not answering (was it stopped?)" };
    }
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  function toast(text, kind) {
    const node = document.createElement("div");
    node.className = "toast" + (kind ? " toast-" + kind : "");
    node.textContent = text;
    $("#toasts").appendChild(node);
    setTimeout(() => node.remove(), kind === "error" ? 9000 : 6000);
  }
  function tz() {
    const me = S.data && S.data.users.find((u) => u.id === S.user);
    return (me && me.tz) || undefined;
  }
  function fmt(date, opts) {
    try { return new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: tz() }, opts)).format(date); }
    catch (e) { return date.toISOString(); }
  }
  const tsDate = (ts) => new Date(parseFloat(ts) * 1000);
  const ctx = (onAction) => ({ users: (S.data && S.data.users) || [], onAction });

  // -- polling -------------------------------------------------------------------------------------
  async function pollLoop() {
    for (;;) {
      const user = S.user;
      const ctrl = new AbortController();
      S.poll = ctrl;
      try {
        const url = `/api/state?user=${encodeURIComponent(user)}&since=${S.version}&wait=20`;
        const res = await fetch(url, { signal: ctrl.signal, cache: "no-store" });
        const data = await res.json();
        setConnected(true);
        if (user !== S.user) continue;
        if (!data.ok) {
          if (res.status === 404 || res.status === 400) { S.user = ""; S.version = -1; }
          await sleep(500);
          continue;
        }
        if (data.version !== S.version || !S.data) render(data);
      } catch (e) {
        if (e.name === "AbortError") continue;
        setConnected(false);
        await sleep(1000);
      }
    }
  }
  function setConnected(on) {
    $("#connection").className = on ? "conn conn-on" : "conn conn-off";
    $("#connection").textContent = on ? "connected to the sandbox" : "sandbox not answering";
  }
  function switchUser(id) {
    S.user = id;
    S.version = -1;
    S.modalKey = S.homeKey = null;
    S.messages.clear();
    localStorage.setItem("sandbox-user", id);
    if (S.poll) S.poll.abort();
  }

  // -- rendering -----------------------------------------------------------------------------------
  function render(data) {
    const switched = !S.data || S.data.user !== data.user;
    S.data = data;
    S.user = data.user;
    S.version = data.version;
    renderSidebar(data);
    renderCodat(data);
    renderInstalls(data);
    renderMessages(data, switched);
    renderHome(data);
    renderModal(data);
  }

  function renderSidebar(data) {
    const select = $("#user-select");
    const active = data.users.filter((u) => !u.deleted && !u.is_bot);
    const signature = active.map((u) => u.id + u.real_name + u.role).join();
    if (select.dataset.sig !== signature) {
      select.innerHTML = "";
      const teams = new Set(active.map((u) => u.team_name));
      active.forEach((u) => {
        const o = document.createElement("option");
        o.value = u.id;
        o.textContent = u.role && u.role !== "member" ? `${u.real_name} (${u.role})` : u.real_name;
        if (teams.size > 1) o.textContent += ` · ${u.team_name}`;  // several workspaces (OAuth sandbox)
        select.appendChild(o);
      });
      select.dataset.sig = signature;
    }
    select.value = data.user;
    const me = data.users.find((u) => u.id === data.user) || {};
    $("#me-avatar").textContent = initials(me.real_name || "?");
    $("#me-name").textContent = me.real_name || "";
    $("#me-email").textContent = me.email || "";
    $("#me-tz").textContent = `${me.tz || ""} (${me.tz_label || ""})`;
    $("#me-role").textContent = me.role ? `Slack role: ${me.role}` : "";
    $("#team-name").textContent = data.team.name;
    const now = new Date(data.now);
    $("#clock-now").textContent = fmt(now, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    $("#clock-tz").textContent = `in ${me.real_name ? me.real_name.split(" ")[0] + "'s" : "your"} time zone`;
    $("#secrets-notice").textContent = data.secrets_notice;
    $("#modal-secrets").textContent = data.secrets_notice.split(" — ")[0];
    $("#tab-home").classList.toggle("has-content", !!data.home);
  }
  // The Codat stand-in: pick an integration, switch it on or off (admins only, as in the Portal).
  function renderCodat(data) {
    const box = $("#codat");
    box.hidden = !data.codat;
    if (!data.codat) return;
    const select = $("#codat-key");
    const list = data.codat.integrations;
    const signature = list.map((i) => i.key).join();
    if (select.dataset.sig !== signature) {
      const chosen = select.value;
      select.innerHTML = "";
      list.forEach((i) => {
        const o = document.createElement("option");
        o.value = i.key;
        o.textContent = `${i.name} (${i.key})`;
        select.appendChild(o);
      });
      select.dataset.sig = signature;
      if (chosen) select.value = chosen;
    }
    const picked = list.find((i) => i.key === select.value) || list[0];
    const me = data.users.find((u) => u.id === data.user) || {};
    const toggle = $("#codat-enabled");
    toggle.checked = !!(picked && picked.enabled);
    toggle.disabled = !me.is_admin;
    $("#codat-note").textContent = me.is_admin
      ? "As in the Codat Portal; switching one on asks Codat at once, as verify does."
      : "Only an admin (Alice) can switch integrations on in Codat.";
  }
  async function flipCodat() {
    const key = $("#codat-key").value;
    const enabled = $("#codat-enabled").checked;
    const res = await api("/api/codat", { user: S.user, key, enabled });
    if (!res.ok) { toast(res.error, "error"); return; }
    const what = enabled ? "on" : "off";
    const ticks = res.ticked ? `; ${res.ticked} registration${res.ticked === 1 ? "" : "s"} ticked "Enabled in Codat"` : "";
    toast(`${key} is now ${what} in Codat${enabled ? ` (checked ${res.checked})` : ""}${ticks}.`);
  }

  function initials(name) {
    return name.split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase();
  }

  function renderMessages(data, switched) {
    const list = $("#messages");
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    const items = data.messages.map((m) => ({ m, eph: false }))
      .concat(data.ephemerals.filter((e) => e.channel === data.channel).map((m) => ({ m, eph: true })))
      .sort((a, b) => parseFloat(a.m.ts) - parseFloat(b.m.ts));
    const seen = new Set();
    const nodes = [];
    let day = null;
    items.forEach(({ m, eph }) => {
      const d = fmt(tsDate(m.ts), { weekday: "long", day: "numeric", month: "long" });
      if (d !== day) {
        day = d;
        const sep = document.createElement("div");
        sep.className = "day-divider";
        sep.innerHTML = "<span></span>";
        sep.firstChild.textContent = d;
        nodes.push(sep);
      }
      const key = (eph ? "e" : "m") + m.ts;
      const sig = JSON.stringify(m);
      let entry = S.messages.get(key);
      if (!entry || entry.sig !== sig) {
        entry = { sig, node: messageNode(m, eph) };
        S.messages.set(key, entry);
      }
      seen.add(key);
      nodes.push(entry.node);
    });
    for (const key of Array.from(S.messages.keys())) if (!seen.has(key)) S.messages.delete(key);
    list.replaceChildren(...nodes);
    $("#messages-empty").hidden = items.length > 0;
    if (switched || nearBottom) list.scrollTop = list.scrollHeight;
  }

  function messageNode(m, eph) {
    const node = document.createElement("div");
    node.className = "msg" + (eph ? " msg-ephemeral" : "");
    node.dataset.ts = m.ts;
    const fromPerson = !!m.user && !m.bot_id && !eph;  // what the person typed into the DM
    const sender = m.sender || S.data.bot.name;
    node.innerHTML = `<div class="avatar avatar-app"></div><div class="msg-main"><div class="msg-head">
      <span class="msg-name"></span><span class="badge">APP</span><span class="msg-time"></span></div></div>`;
    node.querySelector(".avatar").textContent = fromPerson ? initials(sender) : sender === "Slackbot" ? "SB" : "CR";
    if (fromPerson) {
      node.querySelector(".avatar").className = "avatar avatar-user";
      node.querySelector(".badge").remove();
    }
    node.querySelector(".msg-name").textContent = sender;
    node.querySelector(".msg-time").textContent = fmt(tsDate(m.ts), { hour: "2-digit", minute: "2-digit" });
    const main = node.querySelector(".msg-main");
    if (m.edited) {
      const ed = document.createElement("span");
      ed.className = "msg-edited";
      ed.textContent = "(edited)";
      node.querySelector(".msg-head").appendChild(ed);
    }
    if (eph) {
      const only = document.createElement("div");
      only.className = "msg-only-you";
      only.textContent = "👁 Only visible to you";
      main.appendChild(only);
    }
    const onAction = (info) => act(eph ? "ephemeral" : "message", info, { ts: m.ts }, node);
    const body = document.createElement("div");
    body.className = "msg-body";
    if (m.blocks && m.blocks.length) body.appendChild(BK.renderBlocks(m.blocks, ctx(onAction)));
    else body.innerHTML = BK.mrkdwn(m.text, ctx());
    (m.attachments || []).forEach((a) => {
      const att = document.createElement("div");
      att.className = "attachment";
      if (/^#?[0-9a-f]{3,8}$/i.test(a.color || "")) att.style.borderLeftColor = a.color.startsWith("#") ? a.color : "#" + a.color;
      if (a.blocks) att.appendChild(BK.renderBlocks(a.blocks, ctx(onAction)));
      else att.innerHTML = BK.mrkdwn(a.text || a.fallback || "", ctx());
      body.appendChild(att);
    });
    main.appendChild(body);
    return node;
  }

  function renderHome(data) {
    const home = data.home;
    const key = home ? home.id + home.hash : "none";
    if (key === S.homeKey) return;
    S.homeKey = key;
    const pane = $("#home");
    if (!home) {
      pane.innerHTML = '<div class="empty">The app has not published a Home tab for this person yet.</div>';
      return;
    }
    const onAction = (info) => act("home", info, { view_id: home.id }, pane);
    pane.replaceChildren(BK.renderBlocks(home.blocks, ctx(onAction)));
  }

  // -- modal ---------------------------------------------------------------------------------------
  function renderModal(data) {
    const stack = data.modals || [];
    const view = stack[stack.length - 1];
    const backdrop = $("#modal-backdrop");
    const key = view ? view.id + "|" + view.hash : null;
    if (key === S.modalKey) return;
    const body = $("#modal-body");
    const same = view && S.modalKey && S.modalKey.split("|")[0] === view.id;
    const kept = same ? BK.snapshot(body) : null;
    S.modalKey = key;
    backdrop.hidden = !view;
    if (!view) { body.replaceChildren(); return; }
    $("#modal-title").textContent = BK.plain(view.title);
    $("#modal-back").hidden = stack.length < 2;
    $("#modal-close").textContent = BK.plain(view.close) || "Cancel";
    $("#modal-submit").hidden = !view.submit;
    $("#modal-submit").textContent = BK.plain(view.submit) || "Submit";
    setBanner("");
    const onAction = (info) => act("modal", info, { view_id: view.id }, body);
    body.replaceChildren(BK.renderBlocks(view.blocks, ctx(onAction)));
    if (kept) BK.restore(body, kept);
    setModalBusy(false);
    const first = body.querySelector("input:not([type=radio]):not([type=checkbox]), textarea, select");
    if (first && !same) first.focus();
  }
  function currentView() {
    const stack = (S.data && S.data.modals) || [];
    return stack[stack.length - 1];
  }
  function setBanner(text) {
    const banner = $("#modal-banner");
    banner.textContent = text;
    banner.hidden = !text;
  }
  function setModalBusy(busy) {
    $("#modal").classList.toggle("busy", busy);
    $("#modal-submit").disabled = busy;
  }
  async function submitModal() {
    const view = currentView();
    if (!view || $("#modal-submit").disabled) return;
    const body = $("#modal-body");
    setModalBusy(true);
    setBanner("");
    const res = await api("/api/view/submit", { user: S.user, view_id: view.id, values: BK.collectState(body) });
    if (S.modalKey && S.modalKey.startsWith(view.id + "|")) setModalBusy(false);
    if (!res.ok) { setBanner(res.error || "Something went wrong."); return; }
    if (res.response_action === "errors") {
      const unmatched = BK.showErrors(body, res.errors);
      if (unmatched.length) setBanner(`The app sent errors for blocks that are not input blocks here (${unmatched.join(", ")}); Slack would not show them.`);
      const bad = body.querySelector(".bk-has-error input, .bk-has-error textarea, .bk-has-error select");
      if (bad) bad.focus();
    }
  }
  async function closeModal() {
    const view = currentView();
    if (!view) return;
    const res = await api("/api/view/close", { user: S.user, view_id: view.id, values: BK.collectState($("#modal-body")) });
    if (!res.ok) toast(res.error, "error");
  }

  // -- actions -------------------------------------------------------------------------------------
  async function act(surface, info, where, scope) {
    const payload = Object.assign({
      user: S.user, surface, action_id: info.element.action_id, block_id: info.block.block_id,
      selection: info.selection, values: BK.collectState(scope),
    }, where);
    info.node.classList.add("bk-pending");
    const res = await api("/api/action", payload);
    info.node.classList.remove("bk-pending");
    if (!res.ok) toast(res.error || "The app did not take that action.", "error");
  }

  async function sendCommand(text) {
    text = text.trim();
    if (!text) return false;
    S.history.push(text);
    S.historyAt = S.history.length;
    // A slash command goes to the app as a command; anything else is a message in its DM (message.im).
    const res = await api(text.startsWith("/") ? "/api/command" : "/api/message", { user: S.user, text });
    if (!res.ok) { toast(res.error, "error"); return false; }
    return true;
  }

  function showTab(tab) {
    S.tab = tab;
    $("#tab-home").classList.toggle("active", tab === "home");
    $("#tab-messages").classList.toggle("active", tab === "messages");
    $("#home").hidden = tab !== "home";
    $("#messages-pane").hidden = tab !== "messages";
    if (S.user) api("/api/tab", { user: S.user, tab });
  }

  // OAuth sandbox: each workspace, "Add to Slack" (the real round trip, in a new tab) or Uninstall.
  function renderInstalls(data) {
    const box = $("#installs");
    box.hidden = !data.installs;
    if (!data.installs) return;
    const list = $("#installs-list");
    list.innerHTML = "";
    data.installs.forEach((w) => {
      const li = document.createElement("li");
      if (w.installed) {
        const name = document.createElement("span");
        name.textContent = `✓ ${w.name}`;
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = "Uninstall";
        button.addEventListener("click", async () => {
          const res = await api("/api/uninstall", { team: w.team });
          toast(res.ok ? `codat-register uninstalled from ${w.name}: its reminders stop` : res.error, res.ok ? "" : "error");
        });
        li.append(name, button);
      } else {
        const link = document.createElement("a");
        link.href = w.install_url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = `Add to Slack: ${w.name}`;
        li.append(link);
      }
      list.appendChild(li);
    });
  }

  async function advance(hours) {
    const buttons = document.querySelectorAll(".clock-btn");
    buttons.forEach((b) => { b.disabled = true; });
    const res = await api("/api/clock", { hours });
    buttons.forEach((b) => { b.disabled = false; });
    if (!res.ok) { toast(res.error, "error"); return; }
    const when = fmt(new Date(res.now), { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    const sweep = res.sweep || {};
    const result = sweep.result || {};
    let note = sweep.ran ? "Reminder sweep ran" : sweep.note || "";
    if (sweep.ran && typeof result.digests === "number") {
      note += `: ${result.digests} reminder DM${result.digests === 1 ? "" : "s"} sent`;
    }
    if (result.deferred) note += `; ${result.deferred} wait for working hours in the owner's time zone (try +1 hour)`;
    toast(`Bot clock now ${when}. ${note}.`);
  }

  // -- wiring --------------------------------------------------------------------------------------
  function wire() {
    $("#user-select").addEventListener("change", (e) => switchUser(e.target.value));
    $("#composer").addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = $("#composer-input");
      if (await sendCommand(input.value)) input.value = "";
    });
    $("#composer-input").addEventListener("keydown", (e) => {
      if (e.key === "ArrowUp" && S.historyAt > 0) { S.historyAt -= 1; e.target.value = S.history[S.historyAt]; }
      if (e.key === "ArrowDown" && S.historyAt < S.history.length) {
        S.historyAt += 1; e.target.value = S.history[S.historyAt] || "";
      }
    });
    document.querySelectorAll(".chip").forEach((chip) =>
      chip.addEventListener("click", () => sendCommand(chip.dataset.command)));
    $("#tab-home").addEventListener("click", () => showTab("home"));
    $("#tab-messages").addEventListener("click", () => showTab("messages"));
    document.querySelectorAll(".clock-btn").forEach((b) =>
      b.addEventListener("click", () => advance(Number(b.dataset.hours))));
    $("#codat-key").addEventListener("change", () => { if (S.data) renderCodat(S.data); });
    $("#codat-enabled").addEventListener("change", flipCodat);
    $("#modal-submit").addEventListener("click", submitModal);
    $("#modal-close").addEventListener("click", closeModal);
    $("#modal-x").addEventListener("click", closeModal);
    $("#modal-back").addEventListener("click", closeModal);
    $("#modal-body").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target.tagName === "INPUT" && !e.defaultPrevented) { e.preventDefault(); submitModal(); }
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !$("#modal-backdrop").hidden && !document.querySelector(".bk-confirm-backdrop")) closeModal();
    });
  }

  wire();
  showTab("messages");
  pollLoop();
})();

/* Block Kit renderer for the sandbox page: blocks in, DOM out. Plain JS; load mrkdwn.js first.
 *
 * BlockKit.renderBlocks(blocks, ctx) -> element    ctx: {users, onAction(info)}
 * BlockKit.collectState(root) -> {block_id: {action_id: raw}}   (what Slack puts in state.values)
 * BlockKit.snapshot(root) / BlockKit.restore(root, snap)        (keep typed input across updates)
 * BlockKit.showErrors(root, {block_id: message}) -> block ids that are not input blocks here
 * Text objects and mrkdwn are drawn by mrkdwn.js.
 *
 * A type this file does not know is drawn as a visible "[unsupported block: type]" placeholder.
 */
(function (global) {
  "use strict";
  const { mrkdwn, textHtml, plain } = global.Mrkdwn;

  const TEXT_INPUTS = ["plain_text_input", "email_text_input", "url_text_input", "number_input"];
  const STATEFUL = TEXT_INPUTS.concat([
    "static_select", "multi_static_select", "users_select", "multi_users_select", "radio_buttons",
    "checkboxes", "datepicker", "timepicker",
  ]);
  let uid = 0;

  function el(tag, className, html) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (html != null) node.innerHTML = html;
    return node;
  }
  function unsupported(kind, type) {
    const node = el("div", "bk-unsupported");
    node.textContent = `[unsupported ${kind}: ${type || "(no type)"}]`;
    node.dataset.unsupported = type || "";
    return node;
  }
  function image(url, alt, className) {
    // Only same-page images load: the sandbox never reaches the network for a remote picture.
    if (/^(data:image\/|\/(?!\/))/i.test(url || "")) {
      const img = el("img", className);
      img.src = url;
      img.alt = alt || "";
      return img;
    }
    const ph = el("span", className + " bk-image-ph");
    ph.textContent = "🖼 " + (alt || "image");
    ph.title = (url || "") + " (remote images are not loaded in the sandbox)";
    return ph;
  }

  // -- elements ------------------------------------------------------------------------------------
  function allOptions(element) {
    const out = (element.options || []).slice();
    (element.option_groups || []).forEach((g) => out.push(...(g.options || [])));
    return out;
  }
  function optionNode(option, selected) {
    const node = el("option");
    node.value = option.value;
    node.textContent = plain(option.text);
    node.selected = !!selected;
    return node;
  }
  function selectedValues(element) {
    const list = element.initial_options || (element.initial_option ? [element.initial_option] : []);
    return new Set(list.map((o) => o.value));
  }

  function fillSelect(select, element, ctx, multi) {
    const initial = selectedValues(element);
    if (!multi) {
      const ph = optionNode({ value: "", text: element.placeholder || { text: "Select an item" } }, !initial.size);
      ph.className = "bk-placeholder";
      select.appendChild(ph);
    }
    (element.options || []).forEach((o) => select.appendChild(optionNode(o, initial.has(o.value))));
    (element.option_groups || []).forEach((g) => {
      const group = el("optgroup");
      group.label = plain(g.label);
      (g.options || []).forEach((o) => group.appendChild(optionNode(o, initial.has(o.value))));
      select.appendChild(group);
    });
  }
  function fillUsers(select, element, ctx, multi) {
    const initial = new Set(element.initial_users || (element.initial_user ? [element.initial_user] : []));
    if (!multi) {
      const ph = optionNode({ value: "", text: element.placeholder || { text: "Select a person" } }, !initial.size);
      ph.className = "bk-placeholder";
      select.appendChild(ph);
    }
    ((ctx && ctx.users) || []).filter((u) => !u.deleted && !u.is_bot).forEach((u) => {
      select.appendChild(optionNode({ value: u.id, text: { text: `${u.real_name} (@${u.name})` } }, initial.has(u.id)));
    });
  }

  function choiceList(element, ctx, multi) {
    const box = el("div", multi ? "bk-checkboxes" : "bk-radios");
    const name = "bk-choice-" + ++uid;
    const initial = selectedValues(element);
    (element.options || []).forEach((o) => {
      const label = el("label", "bk-choice");
      const input = el("input");
      input.type = multi ? "checkbox" : "radio";
      input.name = name;
      input.value = o.value;
      input.checked = initial.has(o.value);
      const text = el("span", "bk-choice-text", textHtml(o.text, ctx));
      label.append(input, text);
      if (o.description) text.appendChild(el("span", "bk-choice-desc", textHtml(o.description, ctx)));
      box.appendChild(label);
    });
    return box;
  }

  function textInput(element) {
    let node;
    if (element.type === "plain_text_input" && element.multiline) {
      node = el("textarea", "bk-textarea");
      node.rows = 4;
    } else {
      node = el("input", "bk-text");
      node.type = { email_text_input: "email", url_text_input: "url", number_input: "number" }[element.type] || "text";
      if (element.type === "number_input") {
        node.step = element.is_decimal_allowed ? "any" : "1";
        if (element.min_value != null) node.min = element.min_value;
        if (element.max_value != null) node.max = element.max_value;
      }
    }
    node.autocomplete = "off";
    node.spellcheck = false;
    if (element.max_length) node.maxLength = element.max_length;
    if (element.placeholder) node.placeholder = plain(element.placeholder);
    if (element.initial_value != null) node.value = element.initial_value;
    return node;
  }

  function button(element, ctx, fire) {
    const node = el(element.url ? "a" : "button", "bk-button" + (element.style ? " bk-" + element.style : ""));
    node.innerHTML = textHtml(element.text, ctx);
    if (element.url) {
      node.href = element.url;
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    } else {
      node.type = "button";
    }
    node.addEventListener("click", () => fire(null));
    return node;
  }

  function overflow(element, ctx, fire) {
    const box = el("div", "bk-overflow");
    const toggle = el("button", "bk-button bk-overflow-toggle", "⋯");
    toggle.type = "button";
    toggle.setAttribute("aria-label", "More actions");
    const menu = el("div", "bk-overflow-menu");
    menu.hidden = true;
    (element.options || []).forEach((o) => {
      const item = el("button", "bk-overflow-item", textHtml(o.text, ctx));
      item.type = "button";
      item.dataset.value = o.value;
      item.addEventListener("click", () => { menu.hidden = true; fire(o.value); });
      menu.appendChild(item);
    });
    toggle.addEventListener("click", () => { menu.hidden = !menu.hidden; });
    box.append(toggle, menu);
    return box;
  }

  /** One element, wrapped in .bk-el carrying its ids; `where` is input, accessory, actions or context. */
  function renderElement(element, block, ctx, where) {
    const type = element.type;
    const wrap = el("div", "bk-el bk-el-" + (type || "unknown"));
    wrap.dataset.type = type || "";
    wrap.dataset.actionId = element.action_id || "";
    wrap.dataset.blockId = block.block_id || "";
    if (where === "input") wrap.dataset.inInput = "1";
    const fire = (selection) => {
      if (ctx && ctx.onAction) ctx.onAction({ block, element, selection: selection, node: wrap });
    };
    const act = (selection) => {
      if (element.confirm) confirmDialog(element.confirm, ctx).then((ok) => ok && fire(selection));
      else fire(selection);
    };
    const dispatches = where !== "input" || !!block.dispatch_action;
    let control = null;
    if (type === "button") wrap.appendChild(button(element, ctx, act));
    else if (type === "overflow") wrap.appendChild(overflow(element, ctx, act));
    else if (type === "image") wrap.appendChild(image(element.image_url, element.alt_text, "bk-image-el"));
    else if (TEXT_INPUTS.includes(type)) {
      control = textInput(element);
      const on = ((block.dispatch_action_config || element.dispatch_action_config || {}).trigger_actions_on || []);
      if (dispatches && on.includes("on_character_entered")) {
        let timer = null;
        control.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => act(readValue(wrap)), 400); });
      }
      if (dispatches && control.tagName === "INPUT") {
        control.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); act(readValue(wrap)); } });
      }
    } else if (type === "static_select" || type === "multi_static_select") {
      control = el("select", "bk-select");
      control.multiple = type === "multi_static_select";
      fillSelect(control, element, ctx, control.multiple);
    } else if (type === "users_select" || type === "multi_users_select") {
      control = el("select", "bk-select bk-users");
      control.multiple = type === "multi_users_select";
      fillUsers(control, element, ctx, control.multiple);
    } else if (type === "radio_buttons" || type === "checkboxes") {
      control = choiceList(element, ctx, type === "checkboxes");
    } else if (type === "datepicker" || type === "timepicker") {
      control = el("input", "bk-text bk-" + type);
      control.type = type === "datepicker" ? "date" : "time";
      const initial = type === "datepicker" ? element.initial_date : element.initial_time;
      if (initial) control.value = initial;
    } else {
      return unsupported("element", type);
    }
    if (control) {
      wrap.dataset.stateful = "1";
      wrap.appendChild(control);
      if (dispatches && !TEXT_INPUTS.includes(type)) control.addEventListener("change", () => act(readValue(wrap)));
    }
    return wrap;
  }

  // -- blocks --------------------------------------------------------------------------------------
  const BLOCKS = {
    header: (b, ctx) => el("div", "bk-header", textHtml(b.text, ctx)),
    divider: () => el("hr", "bk-divider"),
    section(b, ctx) {
      const node = el("div", "bk-section");
      const body = el("div", "bk-section-body");
      if (b.text) body.appendChild(el("div", "bk-section-text", textHtml(b.text, ctx)));
      if (b.fields && b.fields.length) {
        const grid = el("div", "bk-fields");
        b.fields.forEach((f) => grid.appendChild(el("div", "bk-field", textHtml(f, ctx))));
        body.appendChild(grid);
      }
      node.appendChild(body);
      if (b.accessory) {
        const acc = el("div", "bk-accessory");
        acc.appendChild(renderElement(b.accessory, b, ctx, "accessory"));
        node.appendChild(acc);
      }
      return node;
    },
    context(b, ctx) {
      const node = el("div", "bk-context");
      (b.elements || []).forEach((e) => {
        if (e.type === "image") node.appendChild(image(e.image_url, e.alt_text, "bk-context-img"));
        else if (e.type === "mrkdwn" || e.type === "plain_text") node.appendChild(el("span", "bk-context-text", textHtml(e, ctx)));
        else node.appendChild(unsupported("element", e.type));
      });
      return node;
    },
    actions(b, ctx) {
      const node = el("div", "bk-actions");
      (b.elements || []).forEach((e) => node.appendChild(renderElement(e, b, ctx, "actions")));
      return node;
    },
    image(b, ctx) {
      const node = el("div", "bk-image-block");
      if (b.title) node.appendChild(el("div", "bk-image-title", textHtml(b.title, ctx)));
      node.appendChild(image(b.image_url, b.alt_text, "bk-image"));
      return node;
    },
    input(b, ctx) {
      const node = el("div", "bk-input");
      const label = el("label", "bk-label", textHtml(b.label, ctx));
      if (b.optional) label.appendChild(el("span", "bk-optional", " (optional)"));
      node.appendChild(label);
      if (b.element) node.appendChild(renderElement(b.element, b, ctx, "input"));
      else node.appendChild(unsupported("element", "(missing)"));
      if (b.hint) node.appendChild(el("div", "bk-hint", textHtml(b.hint, ctx)));
      const error = el("div", "bk-error");
      error.setAttribute("role", "alert");
      error.hidden = true;
      node.appendChild(error);
      return node;
    },
  };

  function renderBlocks(blocks, ctx) {
    const root = el("div", "bk-blocks");
    (blocks || []).forEach((block) => {
      const render = BLOCKS[block && block.type];
      const node = render ? render(block, ctx || {}) : unsupported("block", block && block.type);
      node.classList.add("bk-block");
      node.dataset.blockType = (block && block.type) || "";
      node.dataset.blockId = (block && block.block_id) || "";
      root.appendChild(node);
    });
    return root;
  }

  // -- state ---------------------------------------------------------------------------------------
  function readValue(wrap) {
    const type = wrap.dataset.type;
    if (type === "radio_buttons") {
      const on = wrap.querySelector("input:checked");
      return on ? on.value : null;
    }
    if (type === "checkboxes") return Array.from(wrap.querySelectorAll("input:checked")).map((i) => i.value);
    const control = wrap.querySelector("input, textarea, select");
    if (!control) return null;
    if (control.multiple) return Array.from(control.selectedOptions).map((o) => o.value);
    return control.value === "" ? null : control.value;
  }
  function writeValue(wrap, value) {
    const type = wrap.dataset.type;
    if (type === "radio_buttons" || type === "checkboxes") {
      const want = new Set([].concat(value == null ? [] : value));
      wrap.querySelectorAll("input").forEach((i) => { i.checked = want.has(i.value); });
      return;
    }
    const control = wrap.querySelector("input, textarea, select");
    if (!control) return;
    if (control.multiple) {
      const want = new Set(value || []);
      Array.from(control.options).forEach((o) => { o.selected = want.has(o.value); });
    } else {
      control.value = value == null ? "" : value;
    }
  }
  function statefulIn(root) {
    return Array.from(root.querySelectorAll(".bk-el[data-stateful]"));
  }

  /** state.values as the page would send it: every input block; other blocks only once set. */
  function collectState(root) {
    const values = {};
    statefulIn(root).forEach((wrap) => {
      const value = readValue(wrap);
      const empty = value == null || (Array.isArray(value) && !value.length);
      if (empty && !wrap.dataset.inInput) return;
      (values[wrap.dataset.blockId] = values[wrap.dataset.blockId] || {})[wrap.dataset.actionId] = value;
    });
    return values;
  }
  function snapshot(root) {
    const snap = {};
    statefulIn(root).forEach((w) => {
      snap[w.dataset.blockId + "\u0001" + w.dataset.actionId] = { type: w.dataset.type, value: readValue(w) };
    });
    return snap;
  }
  /** Slack keeps what was typed when an update keeps block_id, action_id and type. */
  function restore(root, snap) {
    statefulIn(root).forEach((w) => {
      const old = snap[w.dataset.blockId + "\u0001" + w.dataset.actionId];
      if (old && old.type === w.dataset.type) writeValue(w, old.value);
    });
  }

  function clearErrors(root) {
    root.querySelectorAll(".bk-input.bk-has-error").forEach((n) => n.classList.remove("bk-has-error"));
    root.querySelectorAll(".bk-error").forEach((n) => { n.hidden = true; n.textContent = ""; });
  }
  function showErrors(root, errors) {
    clearErrors(root);
    const unmatched = [];
    Object.entries(errors || {}).forEach(([blockId, message]) => {
      const block = Array.from(root.querySelectorAll('.bk-block[data-block-type="input"]'))
        .find((n) => n.dataset.blockId === blockId);
      if (!block) { unmatched.push(blockId); return; }
      block.classList.add("bk-has-error");
      const slot = block.querySelector(".bk-error");
      slot.textContent = message;
      slot.hidden = false;
    });
    return unmatched;
  }

  // -- confirm dialogs -----------------------------------------------------------------------------
  function confirmDialog(confirm, ctx) {
    return new Promise((resolve) => {
      const backdrop = el("div", "bk-confirm-backdrop");
      const box = el("div", "bk-confirm");
      box.setAttribute("role", "alertdialog");
      box.appendChild(el("h3", "bk-confirm-title", textHtml(confirm.title || { text: "Are you sure?" }, ctx)));
      box.appendChild(el("div", "bk-confirm-text", textHtml(confirm.text, ctx)));
      const row = el("div", "bk-confirm-buttons");
      const deny = el("button", "bk-button", textHtml(confirm.deny || { text: "Cancel" }, ctx));
      const ok = el("button", "bk-button " + (confirm.style === "danger" ? "bk-danger" : "bk-primary"),
        textHtml(confirm.confirm || { text: "Yes" }, ctx));
      const done = (answer) => { backdrop.remove(); resolve(answer); };
      deny.addEventListener("click", () => done(false));
      ok.addEventListener("click", () => done(true));
      row.append(deny, ok);
      box.appendChild(row);
      backdrop.appendChild(box);
      document.body.appendChild(backdrop);
      ok.focus();
    });
  }

  global.BlockKit = {
    renderBlocks, renderElement, collectState, snapshot, restore, showErrors, clearErrors,
    mrkdwn, textHtml, plain, readValue, STATEFUL,
  };
})(window);

/* Slack text for the sandbox page: mrkdwn and plain_text objects to escaped HTML. No dependencies.
 *
 * Mrkdwn.mrkdwn(text, ctx) -> HTML     *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes,
 *                                      <url|links>, <@U…> mentions shown by name (ctx.users), :emoji:
 * Mrkdwn.textHtml(obj, ctx) -> HTML    a text object of either type
 * Mrkdwn.plain(obj) -> string          a text object's raw text
 */
(function (global) {
  "use strict";

  const EMOJI = {
    white_check_mark: "✅", heavy_check_mark: "✔️", ballot_box_with_check: "☑️", x: "❌",
    warning: "⚠️", lock: "🔒", key: "🔑", bell: "🔔", calendar: "📅", spiral_calendar_pad: "🗓️",
    alarm_clock: "⏰", hourglass: "⌛", hourglass_flowing_sand: "⏳", zzz: "💤", tada: "🎉", wave: "👋",
    information_source: "ℹ️", memo: "📝", mag: "🔍", link: "🔗", rocket: "🚀", point_right: "👉",
    arrow_right: "➡️", white_large_square: "⬜", large_green_circle: "🟢", red_circle: "🔴",
    large_yellow_circle: "🟡", hammer_and_wrench: "🛠️", email: "📧", envelope: "✉️",
    bust_in_silhouette: "👤", busts_in_silhouette: "👥", construction: "🚧", no_entry: "⛔",
    no_entry_sign: "🚫", thumbsup: "👍", "+1": "👍", eyes: "👀", sparkles: "✨", bulb: "💡",
    question: "❓", exclamation: "❗", pencil2: "✏️", shield: "🛡️", clipboard: "📋", inbox_tray: "📥",
    hourglass_done: "⌛", repeat: "🔁", stopwatch: "⏱️", date: "📅", office: "🏢", bank: "🏦",
    moneybag: "💰", chart_with_upwards_trend: "📈", heavy_minus_sign: "➖", arrows_counterclockwise: "🔄",
  };

  // -- text ----------------------------------------------------------------------------------------
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function unescapeSlack(s) {
    return String(s).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }
  function emojify(html) {
    return html.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  }
  function userName(ctx, id) {
    const user = ((ctx && ctx.users) || []).find((u) => u.id === id);
    return user ? user.real_name || user.name : null;
  }

  function special(inner, ctx) {
    const bar = inner.indexOf("|");
    const target = bar < 0 ? inner : inner.slice(0, bar);
    const label = bar < 0 ? "" : unescapeSlack(inner.slice(bar + 1));
    if (target.startsWith("@")) {
      const id = target.slice(1);
      const name = userName(ctx, id) || label || id;
      return `<span class="bk-mention" data-user-id="${esc(id)}">@${esc(name)}</span>`;
    }
    if (target.startsWith("#")) return `<span class="bk-mention">#${esc(label || target.slice(1))}</span>`;
    if (target.startsWith("!")) {
      const word = target.slice(1).split("^")[0];
      if (["here", "channel", "everyone"].includes(word)) return `<span class="bk-mention">@${word}</span>`;
      return esc(label || word);
    }
    if (/^(https?:\/\/|mailto:)/i.test(target)) {
      const href = unescapeSlack(target);
      return `<a href="${esc(href)}" target="_blank" rel="noopener noreferrer">${esc(label || href)}</a>`;
    }
    return esc("<" + unescapeSlack(inner) + ">");
  }

  /** Slack's mrkdwn as escaped HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes,
   *  <links|text>, <@U…> mentions (shown by name), :emoji:, line breaks. */
  function mrkdwn(text, ctx) {
    const kept = [];
    const keep = (html) => "\u0000" + (kept.push(html) - 1) + "\u0000";
    let s = String(text == null ? "" : text);
    s = s.replace(/```([\s\S]*?)```/g, (m, code) =>
      keep(`<pre class="bk-pre">${esc(unescapeSlack(code.replace(/^\n/, "")))}</pre>`));
    s = s.replace(/`([^`\n]+)`/g, (m, code) => keep(`<code class="bk-code">${esc(unescapeSlack(code))}</code>`));
    s = s.replace(/<([^<>\n]+)>/g, (m, inner) => keep(special(inner, ctx)));
    s = esc(unescapeSlack(s));
    s = s.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?!\w)/g, "$1<b>$2</b>");
    s = s.replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?!\w)/g, "$1<i>$2</i>");
    s = s.replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?!\w)/g, "$1<s>$2</s>");
    s = emojify(s);
    s = s.split("\n").map((line) =>
      /^&gt; ?/.test(line) ? `<span class="bk-quote">${line.replace(/^&gt; ?/, "")}</span>` : line).join("<br>");
    return s.replace(/\u0000(\d+)\u0000/g, (m, i) => kept[Number(i)]);
  }

  function textHtml(obj, ctx) {
    if (!obj) return "";
    if (typeof obj === "string") return esc(obj);
    if (obj.type === "mrkdwn") return mrkdwn(obj.text, ctx);
    const html = esc(obj.text || "").replace(/\n/g, "<br>");
    return obj.emoji === false ? html : emojify(html);
  }
  function plain(obj) {
    return obj ? (typeof obj === "string" ? obj : obj.text || "") : "";
  }

  global.Mrkdwn = { mrkdwn, textHtml, plain, esc, emojify };
})(window);

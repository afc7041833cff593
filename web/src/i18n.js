// The page's language for its scripts: translations of the scripts' strings and of the vocabulary codes
// the map shows, carried by the page in a JSON data block (id="lr-i18n") from the same gettext
// catalogues as the page (src/landrelease/locale). No inline script: a Content-Security-Policy may forbid them.
const holder = document.getElementById('lr-i18n');
const data = holder ? JSON.parse(holder.textContent) : { lang: 'en', m: {}, f: {}, v: {} };

export const lang = data.lang;

/** The translation of `message` (an English source string with {name} placeholders), filled in. */
export function t(message, vars = {}) {
  const text = data.m[message] || message;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** What people call field `name` (the map's pop-ups). */
export function fieldLabel(name) {
  return data.f[name] || name.replace(/_/g, ' ');
}

/** A vocabulary code in words ("handed_over" → "Handed over", or its translation). */
export function valueLabel(name, code) {
  return (data.v[name] && data.v[name][code]) || code;
}

/** A number with the page language's separators. */
export function num(x) {
  return Number(x).toLocaleString(lang);
}

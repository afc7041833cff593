// Record forms: fields → JSON → the HTTP API; the API's problem details are shown as they come
// (same validation messages as the API and CLI). A form may carry a geometry from its map (pick.js).
import { t } from '/static/i18n.js';

const form = document.querySelector('form.record');
const error = document.getElementById('form-error');
const ok = document.getElementById('form-ok');

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  ok.hidden = true;
  const body = {};
  for (const el of form.querySelectorAll('[name]')) {
    if (el.value === '' || el.name === 'geometry') continue;
    if (el.multiple) body[el.name] = [...el.selectedOptions].map((o) => o.value);
    else body[el.name] = el.type === 'number' ? Number(el.value) : el.value;
  }
  const geom = form.querySelector('[name=geometry]');
  if (geom && geom.value) {
    try { body.geometry = JSON.parse(geom.value); } catch (e) {
      return show(`geometry: not GeoJSON (${e.message})`);
    }
  }
  // The session's CSRF token (server/auth.py): every write made with the session cookie carries it.
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';
  const r = await fetch(form.dataset.endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify(body),
  });
  const reply = await r.json();
  if (!r.ok) return show(reply.detail || reply.title, reply.field);
  const link = form.dataset.next.replace('{code}', reply.code).replace('{area}', reply.area || '');
  ok.innerHTML = '';
  const a = document.createElement('a');
  a.href = link;
  a.textContent = t('Recorded {code}', { code: reply.code });
  a.id = 'recorded-link';
  ok.append(a);
  ok.hidden = false;
  form.dispatchEvent(new CustomEvent('recorded', { detail: reply }));
});

function show(message, field) {
  error.textContent = message;
  error.hidden = false;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const bad = field && form.querySelector(`[name="${field}"]`);
  if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
}

// The language switcher of every page: choosing a language reloads the page in it (the form's
// button does the same without JavaScript). A static file, so a Content-Security-Policy may forbid
// inline scripts.
const select = document.getElementById('lang-select');
if (select) {
  select.addEventListener('change', () => select.form.requestSubmit());
  const go = document.getElementById('lang-go');
  if (go) go.classList.add('visually-hidden');
}

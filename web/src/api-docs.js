// /api/docs: Swagger UI from npm (web/node_modules/swagger-ui-dist, served from disk at /vendor/swagger-ui),
// so the API documentation works with no internet. A static file: no inline script.
const holder = document.getElementById('swagger-ui');
window.lrDocs = window.SwaggerUIBundle({
  url: holder.dataset.url,
  domNode: holder,
  deepLinking: true,
  onComplete: () => { document.body.dataset.docsReady = '1'; },
});

// Empties the import form after a successful import. A file rather than hx-on: the
// Content-Security-Policy allows no inline or eval'd script.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target.closest && event.target.closest("form[data-clear-after-import]");
  if (form && event.detail.successful) {
    form.elements.text.value = "";
    form.elements.file.value = "";
  }
});

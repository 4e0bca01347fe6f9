/* Submitting a form (uploads can take a while): say so, and stop a second click from filing twice.
   Buttons are disabled only after the browser has taken the form data, so the clicked button's
   value (同意 / 退回) is still sent. A button opening a new tab (打印所选) is left alone. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var submitter = event.submitter;
  if (form.method.toLowerCase() !== "post" || (submitter && submitter.formTarget) || form.target) {
    return;
  }
  var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
  setTimeout(function () {
    buttons.forEach(function (b) { b.disabled = true; });
    if (submitter && !form.querySelector(".busy")) {
      var note = document.createElement("span");
      note.className = "busy";
      note.textContent = "正在提交，请稍候…";
      submitter.insertAdjacentElement("afterend", note);
    }
  }, 0);
  // If the browser stays on the page (e.g. a download), allow another try.
  setTimeout(function () { buttons.forEach(function (b) { b.disabled = false; }); }, 15000);
});

/* The menu is rendered once per organisation and cached: mark the current page's entry here. */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("nav.side a").forEach(function (a) {
    if (a.getAttribute("href") === location.pathname) { a.classList.add("active"); }
  });
});

/* Behaviour the templates ask for with data- attributes (the Content-Security-Policy runs no inline script):
   data-confirm="…"      a button or link that asks first, and does nothing if the user cancels;
   data-select-all="ids" a checkbox that ticks or clears every checkbox named "ids";
   data-history-back     a link that goes back a page (its href is where to go without history);
   data-fill="id"        a button that puts its data-fill-text into the field with that id (a one-click
                         opinion the reviewer still confirms). */
document.addEventListener("click", function (event) {
  var asking = event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  var filler = event.target.closest("button[data-fill]");
  if (filler) {
    var target = document.getElementById(filler.dataset.fill);
    if (target && !target.value.trim()) target.value = filler.dataset.fillText;
    if (target) target.focus();
  }
  var back = event.target.closest("a[data-history-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

document.addEventListener("change", function (event) {
  var all = event.target.closest("input[data-select-all]");
  if (!all) { return; }
  document.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]').forEach(function (box) {
    box.checked = all.checked;
  });
});

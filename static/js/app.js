/* Submitting a form (uploads can take a while): say so, and stop a second click from filing twice.
   Buttons are disabled only after the browser has taken the form data, so the clicked button's
   value (同意 / 退回) is still sent. A button opening a new tab (打印所选) is left alone. */
document.addEventListener("submit", function (event) {
  var form = event.target;
  var submitter = event.submitter;
  if (event.defaultPrevented || form.method.toLowerCase() !== "post" || (submitter && submitter.formTarget) || form.target) {
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

/* Staged uploads (reviews.staging): a scan input with data-stage-url sends each chosen file at once, with
   a progress bar, and the form then carries the returned token instead of the file, so a form that comes
   back with an error keeps what was chosen. The server checks type, size and page number; the file
   count limit (data-max-files) and the size (data-max-bytes) are checked here before anything is sent.
   Without JavaScript the input is a plain file input. */
(function () {
  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function list(input) {
    return input.form.querySelector('ul.staged[data-staged-for="' + input.name + '"]');
  }
  function say(input, text) {
    var box = list(input).parentNode.querySelector(".stage-error[data-for='" + input.name + "']");
    if (!box) {
      box = document.createElement("ul");
      box.className = "errorlist stage-error";
      box.dataset.for = input.name;
      list(input).insertAdjacentElement("afterend", box);
    }
    var li = document.createElement("li");
    li.textContent = text;
    box.appendChild(li);
  }
  function clearSay(input) {
    var box = list(input).parentNode.querySelector(".stage-error[data-for='" + input.name + "']");
    if (box) { box.textContent = ""; }
  }
  function pageOf(name) {
    var runs = name.replace(/\.[^.]*$/, "").match(/\d+/g);
    return runs ? parseInt(runs[runs.length - 1], 10) : null;
  }
  function send(input, file) {
    var ul = list(input);
    var li = document.createElement("li");
    li.className = "uploading";
    li.dataset.name = file.name;
    li.appendChild(document.createTextNode(file.name + " "));
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    li.appendChild(bar);
    ul.appendChild(li);
    var data = new FormData();
    data.append("type", input.dataset.scanType);
    data.append("file", file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", input.dataset.stageUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf(input.form));
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
      if (xhr.status !== 201) {
        li.remove();
        say(input, body.error || ("「" + file.name + "」上传失败，请重试。"));
        return;
      }
      li.className = "";
      li.dataset.token = body.token;
      li.textContent = "";
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = input.name + "__staged";
      hidden.value = body.token;
      li.appendChild(hidden);
      li.appendChild(document.createTextNode(body.name));
      if (body.warning) {
        var warn = document.createElement("span");
        warn.className = "grey-warning";
        warn.textContent = "（灰度图像，应为彩色扫描件）";
        li.appendChild(warn);
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.dataset.unstage = "";
      remove.textContent = "移除";
      li.appendChild(remove);
    });
    xhr.addEventListener("error", function () {
      li.remove();
      say(input, "「" + file.name + "」上传失败，请检查网络后重试。");
    });
    xhr.addEventListener("loadend", function () {
      sending = false;
      next();
      submitWhenDone(input.form);
    });
    queue.push(function () { xhr.send(data); });
    next();
  }
  /* One upload at a time: each gets the whole line, and the server handles one file per request. */
  var queue = [];
  var sending = false;
  function next() {
    if (sending || !queue.length) { return; }
    sending = true;
    queue.shift()();
  }
  /* A submit while files are still uploading waits for them, then goes ahead with the same button. */
  var waiting = new WeakMap();
  function submitWhenDone(form) {
    if (!waiting.has(form) || form.querySelector("ul.staged li.uploading")) { return; }
    var submitter = waiting.get(form);
    waiting.delete(form);
    var note = form.querySelector(".stage-wait");
    if (note) { note.remove(); }
    form.requestSubmit(submitter || undefined);
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelector("ul.staged li.uploading")) { return; }
    event.preventDefault();
    waiting.set(form, event.submitter || null);
    if (!form.querySelector(".stage-wait")) {
      var note = document.createElement("span");
      note.className = "busy stage-wait";
      note.textContent = "文件正在上传，完成后自动提交…";
      (event.submitter || form.lastElementChild).insertAdjacentElement("afterend", note);
    }
  }, true);
  document.addEventListener("change", function (event) {
    var input = event.target.closest("input[type=file][data-stage-url]");
    if (!input || !input.files.length) { return; }
    clearSay(input);
    var ul = list(input);
    var max = parseInt(input.dataset.maxFiles || "0", 10);
    var maxBytes = parseInt(input.dataset.maxBytes || "0", 10);
    var chosen = Array.prototype.slice.call(input.files);
    if (max === 1) {
      ul.querySelectorAll("li[data-token] button[data-unstage]").forEach(function (b) { b.click(); });
    }
    var pages = {};
    ul.querySelectorAll("li[data-name]").forEach(function (li) {
      var p = pageOf(li.dataset.name);
      if (p !== null) { pages[p] = li.dataset.name; }
    });
    var count = max === 1 ? 0 : ul.querySelectorAll("li").length;
    chosen.forEach(function (file) {
      if (max && count >= max) {
        say(input, input.dataset.label + "最多上传 " + max + " 个文件：「" + file.name + "」未上传。");
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        say(input, "「" + file.name + "」超过 " + Math.round(maxBytes / 1048576) + " MB 的大小上限");
        return;
      }
      if (input.dataset.paged) {
        var page = pageOf(file.name);
        if (page !== null && pages[page]) {
          say(input, input.dataset.label + "：「" + pages[page] + "」和「" + file.name + "」的页码重复（都是第" + page + "页），每页只能上传一个文件");
          return;
        }
        if (page !== null) { pages[page] = file.name; }
      }
      count += 1;
      send(input, file);
    });
    input.value = "";  // the files travel as tokens now, not again with the form
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-unstage]");
    if (!button) { return; }
    var li = button.closest("li[data-token]");
    var form = button.closest("form");
    var ul = li.parentNode;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", ul.parentNode.querySelector("input[data-stage-url]").dataset.stageUrl + encodeURIComponent(li.dataset.token) + "/discard/");
    xhr.setRequestHeader("X-CSRFToken", csrf(form));
    xhr.send();
    li.remove();
  });
})();

/* The request page's viewer: a thumbnail (a[data-view]) shows its scan in the large viewer instead of
   opening a tab. */
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-view]");
  var viewer = document.getElementById("scan-viewer");
  if (!link || !viewer || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
  event.preventDefault();
  var frame = viewer.querySelector("[data-viewer-frame]");
  frame.textContent = "";
  var shown;
  if (link.dataset.viewKind === "image") {
    shown = document.createElement("img");
    shown.alt = link.dataset.viewName;
  } else {
    shown = document.createElement("iframe");
    shown.title = link.dataset.viewName;
  }
  shown.src = link.dataset.view;
  frame.appendChild(shown);
  viewer.querySelector("[data-viewer-name]").textContent = link.dataset.viewName;
  viewer.querySelector("[data-viewer-open]").href = link.dataset.view;
  document.querySelectorAll(".viewer figure.on").forEach(function (f) { f.classList.remove("on"); });
  link.closest("figure").classList.add("on");
  viewer.scrollIntoView({ block: "nearest" });
});

/* A background job's page (data-job-status="…/status/"): poll the JSON status every second, move the
   progress bar, and show the download link (and start the download) when the file is ready. */
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var bar = box.querySelector(".job-progress");
  var state = box.querySelector(".job-state");
  var count = box.querySelector(".job-count");
  var link = box.querySelector(".job-download");
  var error = box.querySelector(".job-error");
  var wait = box.querySelector(".job-wait");
  function poll() {
    fetch(box.dataset.jobStatus, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        state.textContent = job.label;
        count.textContent = job.total ? job.done + " / " + job.total : "";
        if (job.state === "done") {
          wait.classList.add("hidden");
          link.classList.remove("hidden");
          if (!box.dataset.started) { box.dataset.started = "1"; window.location.assign(job.download); }
        } else if (job.state === "failed") {
          wait.classList.add("hidden");
          error.textContent = job.error;
          error.classList.remove("hidden");
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (!link.classList.contains("hidden")) { box.dataset.started = "1"; return; }
  poll();
});

/* The search box of every page: results as you type, from GET /search (docs/SEARCH.md).
 *
 * Why it is built like this:
 * - no inline script and no innerHTML of server text: the page's policy is script-src 'self',
 *   and a snippet is put together from its text and highlight offsets with textContent;
 * - one request in flight per box (an older answer arriving late never replaces a newer one);
 * - Enter opens the highlighted hit's page, or the full results page (/search?format=html);
 * - arrow keys and Escape work, and the list is an ARIA listbox, as in a combobox.
 */
(function () {
  "use strict";

  function highlighted(text, marks) {
    var frag = document.createDocumentFragment();
    var last = 0;
    (marks || []).forEach(function (m) {
      frag.appendChild(document.createTextNode(text.slice(last, m[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(m[0], m[1]);
      frag.appendChild(mark);
      last = m[1];
    });
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function attach(input, n) {
    var list = document.createElement("ul");
    list.className = "akg-search-results";
    list.id = "akg-search-results-" + n;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.parentNode.appendChild(list);
    var timer = null, serial = 0, active = -1, hits = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function select(i) {
      var items = list.querySelectorAll("li[role=option]");
      items.forEach(function (li, j) { li.setAttribute("aria-selected", String(i === j)); });
      active = i;
      if (items[i]) input.setAttribute("aria-activedescendant", items[i].id);
    }

    function render(answer) {
      list.textContent = "";
      hits = answer.hits;
      if (!hits.length) {
        var none = document.createElement("li");
        none.className = "akg-search-none";
        none.textContent = "Nothing found for \u201c" + answer.query + "\u201d";
        list.appendChild(none);
      }
      hits.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + i;
        li.className = "akg-search-hit kind-" + hit.kind;
        li.dataset.iri = hit.iri;
        var a = document.createElement("a");
        a.href = hit.page || hit.iri;
        var label = document.createElement("span");
        label.className = "akg-search-label";
        label.textContent = hit.label;
        var kind = document.createElement("span");
        kind.className = "akg-search-kind";
        kind.textContent = hit.kind + (hit.type_label && hit.type_label !== hit.kind ?
          " \u00b7 " + hit.type_label : "");
        var snippet = document.createElement("span");
        snippet.className = "akg-search-snippet";
        snippet.appendChild(highlighted(hit.snippet, hit.highlights));
        a.appendChild(label);
        a.appendChild(kind);
        a.appendChild(snippet);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function lookup() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++serial;
      var url = "/search?" + new URLSearchParams({ q: q.slice(0, 200), limit: "8" });
      fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (answer) {
        if (answer && mine === serial) render(answer);
      }).catch(function () { /* offline or busy: the form still submits */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && hits.length) {
        e.preventDefault();
        select(Math.min(active + 1, hits.length - 1));
      } else if (e.key === "ArrowUp" && hits.length) {
        e.preventDefault();
        select(Math.max(active - 1, 0));
      } else if (e.key === "Escape") {
        close();
      } else if (e.key === "Enter" && active >= 0 && hits[active]) {
        e.preventDefault();
        window.location.href = hits[active].page || hits[active].iri;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }

  function start() {
    document.querySelectorAll("input[data-akg-search]").forEach(attach);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

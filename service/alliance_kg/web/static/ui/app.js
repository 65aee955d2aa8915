/* The query UI: YASGUI configured for this service (see docs/UI.md).
 *
 * Why each piece is here:
 * - everything comes from this server (endpoint, prefixes, examples, class/property names):
 *   the stock YASGUI would ask prefix.cc and Linked Open Vocabularies, which breaks offline;
 * - our IRIs link to this server's pages (/resource/..., /ontology/...) instead of w3id.org,
 *   so clicking a result works on a laptop with no network and shows the served data;
 * - CONSTRUCT/DESCRIBE answers are shown as the Turtle the server sent;
 * - download links re-run the query with format= so any size downloads in the chosen format.
 * No inline script: the page passes its configuration in data-* attributes.
 */
(function () {
  "use strict";

  var root = document.getElementById("akg-yasgui");
  if (!root || typeof window.Yasgui === "undefined") {
    return; // assets missing: the page keeps its plain form
  }
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;
  var Yasr = Yasgui.Yasr;
  var cfg = root.dataset;
  var endpoint = new URL(cfg.endpoint, window.location.href).href;
  var publicBase = cfg.publicBase;

  /** This server's page for one of our IRIs; other IRIs unchanged. */
  function localHref(iri) {
    if (publicBase && iri.indexOf(publicBase) === 0) {
      return "/" + iri.slice(publicBase.length);
    }
    return iri;
  }

  function compact(iri, prefixes) {
    var best = null;
    for (var p in prefixes || {}) {
      var ns = prefixes[p];
      if (ns && iri.indexOf(ns) === 0 && (!best || ns.length > prefixes[best].length)) best = p;
    }
    return best === null ? "<" + iri + ">" : best + ":" + iri.slice(prefixes[best].length);
  }

  // Results table: our IRIs open this server's page in the same tab (the UI restores its
  // tabs when you come back); other IRIs keep YASR's own rendering (a new window).
  var Table = Yasr.plugins.table;
  var stockLink = Table.prototype.getUriLinkFromBinding;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    if (binding && typeof binding.value === "string" && publicBase &&
        binding.value.indexOf(publicBase) === 0) {
      var a = document.createElement("a");
      a.className = "iri akg-local";
      a.href = localHref(binding.value);
      a.title = binding.value;
      a.textContent = compact(binding.value, prefixes);
      return a.outerHTML;
    }
    return stockLink.call(this, binding, prefixes);
  };

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    });
  }

  function sparqlSelect(query) {
    var body = new URLSearchParams({ query: query });
    return fetch(endpoint, {
      method: "POST", body: body,
      headers: { Accept: "application/sparql-results+json" },
    }).then(function (r) {
      if (!r.ok) throw new Error("SPARQL: HTTP " + r.status);
      return r.json();
    }).then(function (doc) {
      return doc.results.bindings;
    });
  }

  /** Class and property IRIs of our ontology, for the editor's completions. */
  function ontologyTerms() {
    var q = "SELECT DISTINCT ?term ?kind WHERE { GRAPH <" + cfg.ontologyGraph + "> {" +
      " ?term a ?kind . FILTER(isIRI(?term))" +
      " VALUES ?kind { <http://www.w3.org/2002/07/owl#Class>" +
      " <http://www.w3.org/2002/07/owl#ObjectProperty>" +
      " <http://www.w3.org/2002/07/owl#DatatypeProperty>" +
      " <http://www.w3.org/2002/07/owl#AnnotationProperty> } } }";
    return sparqlSelect(q).then(function (rows) {
      var classes = [], properties = [];
      rows.forEach(function (row) {
        var kind = row.kind.value;
        (kind.slice(-5) === "Class" ? classes : properties).push(row.term.value);
      });
      return { classes: classes.sort(), properties: properties.sort() };
    }, function () {
      return { classes: [], properties: [] };
    });
  }

  function defaultQuery(prefixes) {
    var lines = ["akg", "akr", "rdfs"].filter(function (p) { return prefixes[p]; })
      .map(function (p) { return "PREFIX " + p + ": <" + prefixes[p] + ">"; });
    return lines.join("\n") + "\n\n" +
      "# Which commands report to which? (asserted + inferred)\n" +
      "SELECT ?command ?label ?boss WHERE {\n" +
      "  ?command akg:reportsTo ?boss ;\n" +
      "           rdfs:label ?label .\n" +
      "  FILTER(lang(?label) = \"en\")\n" +
      "}\nORDER BY ?command\nLIMIT 100\n";
  }

  function configureCompleters(prefixes, terms) {
    var prefixLines = Object.keys(prefixes).map(function (p) {
      return p + ": <" + prefixes[p] + ">";
    });
    // Same behaviour as YASQE's own completers, with our lists instead of web look-ups.
    Yasqe.forkAutocompleter("prefixes", {
      name: "akg-prefixes", persistenceId: null,
      get: function () { return Promise.resolve(prefixLines.slice()); },
    }, false);
    Yasqe.forkAutocompleter("class", {
      name: "akg-class", bulk: true, autoShow: false, persistenceId: null,
      get: function () { return Promise.resolve(terms.classes.slice()); },
    }, false);
    Yasqe.forkAutocompleter("property", {
      name: "akg-property", bulk: true, autoShow: false, persistenceId: null,
      get: function () { return Promise.resolve(terms.properties.slice()); },
    }, false);
    // Our entities and vocabulary terms by label, in either language (GET /search): typing
    // akr:joint or akr:日本 offers akr:joint-force-headquarters-japan, akr:japan ...
    var labels = {};
    Yasqe.registerAutocompleter({
      name: "akg-entity", bulk: false, autoShow: true, persistenceId: null,
      isValidCompletionPosition: function (yasqe) {
        return /^(akr|akv):[^\s]+$/.test(yasqe.getCompleteToken().string || "");
      },
      get: function (yasqe, token) {
        var text = (token.string || "").replace(/^[a-z]+:/, "").replace(/[-_]/g, " ");
        var kind = token.string.indexOf("akv:") === 0 ? "term" : "entity";
        var url = "/search?" + new URLSearchParams({ q: text.slice(0, 200), type: kind,
                                                     limit: "12" });
        return getJson(url).then(function (answer) {
          return answer.hits.map(function (hit) {
            labels[hit.curie] = hit.label + (hit.type_label ? " (" + hit.type_label + ")" : "");
            return hit.curie;
          });
        }, function () { return []; });
      },
      postprocessHints: function (yasqe, hints) {
        return hints.map(function (hint) {
          hint.displayText = hint.text + (labels[hint.text] ? "  \u2014 " + labels[hint.text] : "");
          return hint;
        });
      },
    }, false);
    var completers = ["akg-prefixes", "variables", "akg-class", "akg-property", "akg-entity"];
    Yasqe.defaults.autocompleters = completers.slice();
    Yasgui.defaults.yasqe.autocompleters = completers.slice();
    Yasqe.defaults.prefixCcApi = null;
  }

  /** Declare our prefixes a query uses without declaring them (pasted or typed queries):
   * the server pre-declares them anyway, but the editor would mark them as errors. */
  function declareKnownPrefixes(yasqe, prefixes) {
    var declared = yasqe.getPrefixesFromQuery();
    var body = yasqe.getValue().replace(/<[^>\s]*>/g, " ").replace(/#[^\n]*/g, " ")
      .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, " ");
    var missing = {}, any = false;
    Object.keys(prefixes).forEach(function (p) {
      if (declared[p] === undefined &&
          new RegExp("(^|[^\\w:-])" + p + ":[A-Za-z0-9_]").test(body)) {
        missing[p] = prefixes[p];
        any = true;
      }
    });
    if (any) yasqe.addPrefixes(missing);
  }

  function watchPrefixes(tab, prefixes) {
    var yasqe = tab && tab.getYasqe();
    if (!yasqe || yasqe.akgWatching) return;
    yasqe.akgWatching = true;
    var timer = null;
    yasqe.on("change", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { declareKnownPrefixes(yasqe, prefixes); }, 300);
    });
    declareKnownPrefixes(yasqe, prefixes);
  }

  function graphForm(text) {
    var body = text.replace(/#[^\n]*/g, " ").replace(/PREFIX\s+\S*\s*<[^>]*>/gi, " ")
      .replace(/BASE\s*<[^>]*>/gi, " ");
    var m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
    return m ? m[1].toUpperCase() : "SELECT";
  }

  var downloadFormats = {
    table: [["csv", "CSV"], ["tsv", "TSV"], ["json", "JSON"], ["xml", "XML"]],
    graph: [["turtle", "Turtle"], ["ntriples", "N-Triples"], ["jsonld", "JSON-LD"],
            ["rdfxml", "RDF/XML"]],
  };
  var extensions = { csv: "csv", tsv: "tsv", json: "srj", xml: "srx", turtle: "ttl",
                     ntriples: "nt", jsonld: "jsonld", rdfxml: "rdf" };

  function updateDownloads(tab) {
    var box = document.getElementById("akg-downloads");
    var links = document.getElementById("akg-download-links");
    if (!box || !links || !tab) return;
    var text = tab.getQuery();
    var form = graphForm(text);
    var kind = form === "CONSTRUCT" || form === "DESCRIBE" ? "graph" : "table";
    links.textContent = "";
    downloadFormats[kind].forEach(function (pair, i) {
      var a = document.createElement("a");
      var url = new URL(endpoint);
      url.searchParams.set("query", text);
      url.searchParams.set("format", pair[0]);
      a.href = url.pathname + url.search;
      a.download = "alliance-kg-results." + extensions[pair[0]];
      a.textContent = pair[1];
      a.className = "akg-download akg-download-" + pair[0];
      if (i) links.appendChild(document.createTextNode(" · "));
      links.appendChild(a);
    });
    box.hidden = false;
  }

  function showTurtleForGraphs(tab) {
    var yasr = tab.getYasr();
    var form = graphForm(tab.getQuery());
    if ((form === "CONSTRUCT" || form === "DESCRIBE") && yasr.plugins.response &&
        yasr.getSelectedPluginName() !== "response") {
      yasr.selectPlugin("response");
    }
  }

  function renderExamples(list, yasgui) {
    var ol = document.getElementById("akg-example-list");
    var filter = document.getElementById("akg-example-filter");
    ol.textContent = "";
    if (!list.length) {
      var li = document.createElement("li");
      li.className = "akg-muted";
      li.textContent = "No example queries (the server has no queries/ folder).";
      ol.appendChild(li);
    }
    list.forEach(function (ex) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "akg-example";
      button.dataset.example = ex.id;
      button.title = ex.id + ".rq";
      var num = document.createElement("span");
      num.className = "akg-example-num";
      num.textContent = ex.id.split("-")[0];
      var title = document.createElement("span");
      title.className = "akg-example-title";
      title.textContent = ex.title;
      button.appendChild(num);
      button.appendChild(title);
      if (ex.needs === "inference") {
        var badge = document.createElement("span");
        badge.className = "akg-badge";
        badge.textContent = "inference";
        badge.title = "The answer needs the inferred graph (OWL 2 RL)";
        button.appendChild(badge);
      }
      button.addEventListener("click", function () {
        var tab = yasgui.getTab();
        tab.setQuery(ex.query);
        tab.setName(ex.id.split("-")[0] + " " + ex.title.slice(0, 28));
        updateDownloads(tab);
        document.querySelectorAll(".akg-example.selected").forEach(function (b) {
          b.classList.remove("selected");
        });
        button.classList.add("selected");
      });
      li.appendChild(button);
      ol.appendChild(li);
    });
    ol.dataset.state = "ready";
    filter.addEventListener("input", function () {
      var needle = filter.value.toLowerCase();
      ol.querySelectorAll("li").forEach(function (li) {
        li.hidden = needle !== "" && li.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  }

  function start(prefixes, terms, examples) {
    configureCompleters(prefixes, terms);
    root.textContent = "";
    Yasgui.defaults.yasqe.value = defaultQuery(prefixes);
    var yasgui = new Yasgui(root, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: endpoint }]; },
        keys: [],
      },
      persistenceId: "alliance-kg-ui",
      tabName: "Query",
      yasqe: { value: defaultQuery(prefixes), autocompleters:
        ["akg-prefixes", "variables", "akg-class", "akg-property", "akg-entity"] },
      yasr: { prefixes: prefixes, defaultPlugin: "table" },
    });
    window.akgYasgui = yasgui; // for the browser tests and the curious
    yasgui.on("queryResponse", function (instance, tab) {
      showTurtleForGraphs(tab);
      updateDownloads(tab);
      root.dataset.lastResponse = String(Date.now());
    });
    yasgui.on("tabSelect", function (instance, id) {
      updateDownloads(yasgui.getTab(id));
      setTimeout(function () { watchPrefixes(yasgui.getTab(id), prefixes); }, 0);
    });
    watchPrefixes(yasgui.getTab(), prefixes);
    yasgui.on("tabChange", function (instance, tab) { updateDownloads(tab); });
    updateDownloads(yasgui.getTab());
    renderExamples(examples, yasgui);
    root.dataset.ready = "true";
  }

  Promise.all([
    getJson(cfg.prefixesUrl),
    ontologyTerms(),
    getJson(cfg.examplesUrl).catch(function () { return []; }),
  ]).then(function (parts) {
    start(parts[0], parts[1], parts[2]);
  }).catch(function (err) {
    var p = document.createElement("p");
    p.className = "akg-error";
    p.setAttribute("role", "alert");
    p.textContent = "The query editor could not start: " + err.message;
    root.insertBefore(p, root.firstChild);
  });
})();

// The search page: Pagefind's UI, with the kind of each hit (Muscle,
// Technique, Article, …) in front of its title, and the query taken from the
// header's search box (?q=…).
(function () {
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: box.dataset.bundle,
    showSubResults: true,
    showImages: false,
    openFilters: ["kind"],
    resetStyles: false,
    translations: { placeholder: box.dataset.placeholder || "" },
    processResult: function (result) {
      if (result.meta && result.meta.kind) {
        result.meta.title = result.meta.kind + " · " + (result.meta.title || "");
      }
      return result;
    },
  });
  // Pagefind's input has only a placeholder; give it a real accessible name.
  var input = box.querySelector("input");
  if (input) input.setAttribute("aria-label", box.dataset.inputLabel || "");
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
})();

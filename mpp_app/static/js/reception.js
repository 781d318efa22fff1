// Reception desk preferences of this PC (print each new ticket at once, paper width), kept in the
// browser's localStorage, and printing through a hidden frame so the receptionist never leaves the
// page: the print view prints itself when it loads (print.js), then focus returns to the search.
// The line above the issue button names the checked service, however it was picked.
// After a ticket the answer carries no service list: the page puts back its own whole list.
(function () {
  var autoPrint = document.getElementById("auto-print");
  var paper = document.getElementById("paper-width");
  var frame = document.getElementById("print-frame");
  if (!autoPrint || !paper || !frame) {
    return;
  }
  autoPrint.checked = localStorage.getItem("mpp.reception.autoPrint") === "true";
  paper.value = localStorage.getItem("mpp.reception.paper") === "58" ? "58" : "80";
  autoPrint.addEventListener("change", function () {
    localStorage.setItem("mpp.reception.autoPrint", autoPrint.checked ? "true" : "false");
  });
  paper.addEventListener("change", function () {
    localStorage.setItem("mpp.reception.paper", paper.value);
  });

  function checkedService() {
    return document.querySelector("#service-choices input[name=service_id]:checked");
  }

  function showChosen() {
    var line = document.getElementById("chosen-service");
    if (!line) {
      return;
    }
    var radio = checkedService();
    line.classList.toggle("is-empty", !radio);
    line.querySelector(".chosen-none").hidden = !!radio;
    line.querySelector(".chosen-some").hidden = !radio;
    if (radio) {
      line.querySelector(".chosen-name").textContent = radio.dataset.name;
      line.querySelector(".chosen-prefix").textContent = radio.dataset.prefix;
      line.querySelector(".chosen-agency-name").textContent = radio.dataset.agency;
    }
  }

  // Scroll the list itself (never the page) so the checked service is in sight, e.g. after an error.
  function revealChosen() {
    var radio = checkedService();
    var list = document.getElementById("service-choices");
    if (!radio || !list) {
      return;
    }
    var item = radio.closest(".choice").getBoundingClientRect();
    var box = list.getBoundingClientRect();
    if (item.top < box.top || item.bottom > box.bottom) {
      list.scrollTop += item.top - box.top - (list.clientHeight - item.height) / 2;
    }
  }

  // The whole service list as the server last sent it (data-catalogue: its version), to put back
  // unchecked after each ticket instead of receiving it again. Done at the swap, before the page
  // is painted, so the list never blinks; a changed catalogue is fetched (the search's own request).
  var wholeList = null;
  var keptFrom = null;
  var fetchList = false;

  function keepWholeList() {
    var list = document.getElementById("service-choices");
    if (list && list !== keptFrom && list.dataset.catalogue) {
      wholeList = list.cloneNode(true);  // attributes only: a radio checked since is not checked in the copy
      keptFrom = list;
    }
  }

  document.body.addEventListener("htmx:afterSwap", function () {
    var list = document.getElementById("service-choices");
    if (!list || !list.hasAttribute("data-restore")) {
      keepWholeList();
      return;
    }
    fetchList = !wholeList || !list.dataset.restore || wholeList.dataset.catalogue !== list.dataset.restore;
    list.removeAttribute("data-restore");
    if (wholeList) {  // an outdated list stands in until the new one arrives
      list.replaceWith(wholeList.cloneNode(true));
    }
  });

  document.body.addEventListener("change", function (event) {
    if (event.target.name === "service_id") {
      showChosen();
    }
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var form = document.getElementById("issue-form");
    if (form && form.contains(event.target)) {  // not the overview's polls: the list keeps its scroll
      showChosen();
      revealChosen();
    }
    var card = event.target === form && form.querySelector(".issued");
    if (card) {  // the number to tell the visitor, in sight even if the page was scrolled down
      card.scrollIntoView({block: "nearest"});
    }
    if (fetchList) {  // once htmx has set up the new search field, whose request this is
      fetchList = false;
      htmx.trigger("#service-search", "search");
    }
    var issued = document.querySelector("#issue-form [data-print-url]");
    if (!issued) {
      return;
    }
    var url = issued.dataset.printUrl;
    issued.removeAttribute("data-print-url");  // printed once, whatever swaps follow
    if (autoPrint.checked) {
      frame.src = url + "?paper=" + paper.value;
    }
  });
  frame.addEventListener("load", function () {
    var search = document.getElementById("service-search");
    if (search) {
      search.focus();
    }
  });
  keepWholeList();
  revealChosen();
})();

// Reception desk preferences of this PC (print each new ticket at once, paper width), kept in the
// browser's localStorage, and printing through a hidden frame so the receptionist never leaves the
// page: the print view prints itself when it loads (print.js), then focus returns to the search.
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

  document.body.addEventListener("htmx:afterSettle", function () {
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
})();

// Reception desk preferences of this PC (print each new ticket at once, paper width), kept in the
// browser's localStorage, and printing through a hidden frame so the receptionist never leaves the
// page: the print view prints itself when it loads (print.js), then focus returns to the search.
// The line above the issue button names the checked service, however it was picked.
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
  revealChosen();
})();

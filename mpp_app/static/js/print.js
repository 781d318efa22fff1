// Print the ticket as soon as the page is ready; the receptionist only has to confirm.
window.addEventListener("load", function () {
  if (document.body.dataset.autoprint === "true") {
    window.print();
  }
});

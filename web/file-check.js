// A classic script (it runs even where module scripts cannot): opened from disk as file://,
// the page cannot load its modules or Python, so say how to serve it instead of hanging.
if (location.protocol === "file:") {
  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("boot-message");
    box.hidden = false;
    box.textContent =
      "This page was opened as a file, so the browser will not let it load Python. " +
      "Serve it instead: in the project folder run `make serve`, then open http://127.0.0.1:8000/ " +
      "(or serve the _site folder with any static web server).";
    document.getElementById("status").textContent = "Error: opened as file:// — serve the page instead (see below).";
  });
}

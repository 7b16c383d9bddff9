// How many characters are left in a box with a limit, shown as the person types. Without
// JavaScript the hint says the limit and the box stops at it.
document.querySelectorAll("[data-characters-left]").forEach((box) => {
  const note = document.getElementById(box.dataset.charactersLeft);
  if (!note || box.maxLength < 0) return;
  const update = () => {
    note.textContent = `${box.maxLength - box.value.length} ${note.dataset.words}`;
  };
  note.hidden = false;
  update();
  box.addEventListener("input", update);
});

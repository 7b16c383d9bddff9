"""What every page of the learner journey must get right, checked in the real browser."""

from __future__ import annotations

import json
from functools import cache

from carelearn.config import PROJECT_ROOT

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")
MIN_TARGET = 44  # CSS pixels, the WCAG 2.5.5 size


@cache
def axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(
            f"{AXE.relative_to(PROJECT_ROOT)} is missing: run `npm ci` (make test does it)."
        )
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe-core with all its rules; the page's CSP does not apply to evaluated scripts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))"
    )
    return result


def assert_accessible(page) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe found {len(blocking)} serious or critical problem(s) on {page.url}:"]
        for v in blocking:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:5]:
                lines.append(f"    at {node['target']}: {node['summary']}".replace("\n", " "))
        raise AssertionError("\n".join(lines))


STRUCTURE_JS = """() => {
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => h.getClientRects().length)
    .map(h => ({level: Number(h.tagName[1]), text: h.textContent.trim()}));
  const focusable = document.querySelector('a[href], button, input, select, textarea');
  return {
    lang: document.documentElement.lang,
    title: document.title,
    headings,
    h1s: document.querySelectorAll('h1').length,
    firstFocusable: focusable && focusable.getAttribute('href'),
    hasMain: !!document.querySelector('main#main'),
  };
}"""


def assert_structure(page) -> dict:
    s = page.evaluate(STRUCTURE_JS)
    assert s["lang"].startswith("en"), f"no lang on {page.url}"
    assert s["title"].endswith(" – CareLearn"), s["title"]
    where = s["title"].removesuffix(" – CareLearn").strip()
    assert where and where != "CareLearn", f"the title does not say where you are: {s['title']!r}"
    assert s["h1s"] == 1, f"{s['h1s']} h1 elements on {page.url}"
    levels = [h["level"] for h in s["headings"]]
    assert levels[0] == 1, f"the first heading is not the h1 on {page.url}: {s['headings']}"
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading levels skip on {page.url}: {s['headings']}"
    assert s["firstFocusable"] == "#main" and s["hasMain"], "the skip link must come first"
    return s


def assert_no_sideways_scroll(page) -> None:
    page.wait_for_load_state("load")  # as check_page: measure the page as it will stay
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} > {widths[1]} px"


TARGETS_JS = """(min) => {
  const small = [];
  const controls = document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main textarea, ' +
    'main summary');
  for (const el of controls) {
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    // A link inside a sentence is exempt: making it taller would break the text's lines.
    if (el.tagName === 'A' && style.display === 'inline' &&
        el.parentElement.textContent.trim().length > el.textContent.trim().length) continue;
    let target = el;
    if (el.type === 'radio' || el.type === 'checkbox') {
      // The whole choice is the target: its label covers it. Prove it by tapping its middle.
      target = el.closest('.choice') || el.labels[0];
      target.scrollIntoView({block: 'center'});
      const r = target.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (hit !== el && !(hit && [...el.labels].includes(hit))) {
        small.push(`${el.id}: tapping its choice does not reach it`);
        continue;
      }
    }
    const r = target.getBoundingClientRect();
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const name = (el.textContent || el.value || el.id || el.name || '').trim().slice(0, 40);
      const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
      small.push(`${el.tagName.toLowerCase()} "${name}": ${size}`);
    }
  }
  window.scrollTo(0, 0);
  return small;
}"""


def assert_touch_targets(page) -> None:
    small = page.evaluate(TARGETS_JS, MIN_TARGET)
    assert not small, f"touch targets under {MIN_TARGET}px on {page.url}:\n" + "\n".join(small)


def check_page(page, *, phone: bool = False, screenshot: str | None = None) -> dict:
    """Every page: structure, axe-core, no sideways scroll; on phones, finger-sized targets."""
    # A click returns once the next page's HTML is there, maybe before its stylesheet: measure
    # sizes only once the page has loaded, or a busy machine sees unstyled buttons.
    page.wait_for_load_state("load")
    structure = assert_structure(page)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    if phone:
        assert_touch_targets(page)
    if screenshot:
        save_screenshot(page, screenshot)
    return structure


def save_screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    # CSS pixels, not device pixels: phone pictures stay small enough to keep in the repository.
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", caret="hide", scale="css"
    )


DESCRIBE_FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const shown = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) ||
                style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
    type: el.getAttribute('type') || '', value: el.value || '',
    text: (el.innerText || '').replace(/\\s+/g, ' ').trim(),
    href: el.getAttribute('href') || '', focusVisible: el.matches(':focus-visible'), shown,
  };
}"""


def focused(page) -> dict | None:
    return page.evaluate(DESCRIBE_FOCUS_JS)


def tab_to(page, wanted, *, backwards: bool = False, limit: int = 150) -> dict:
    """Press Tab (or Shift+Tab) until `wanted(focused element)` is true; every stop must show
    focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = focused(page)
        if element is None:
            continue
        assert element["focusVisible"] and element["shown"], (
            f"no visible focus on {json.dumps(element)} at {page.url}"
        )
        if wanted(element):
            return element
        seen.append(element["text"] or element["name"] or element["tag"])
    raise AssertionError(f"Tab never reached it on {page.url}; stops were: {seen}")

"""The try-it page at `/`, driven in headless Chromium (Debian's) against a live server.

The browser may reach nothing but 127.0.0.1: any other request is aborted and fails the
test, which proves the page needs no CDN and works offline.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.clients.tools import require_tool
from tests.e2e.conftest import E2E_ADMIN_KEY, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
URGENT_RGB = (0xB3, 0x26, 0x1E)  # --urgent-bg in app/web/static/style.css

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One headless Chromium per module, on a fresh profile."""
    require_tool(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - uv sync installs it
        require_tool(False, "the playwright package is not installed")
        raise
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,  # type: ignore[arg-type]
            timeout=30_000,
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Tab:
    """A page plus what it tried to reach off the machine and what it logged as errors."""

    page: Page
    offsite: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def submit(self) -> None:
        self.page.click("#submit")  # the handler marks the body "loading" before it fetches
        self.page.wait_for_selector("body[data-state='done']")

    def unfold(self) -> None:
        """Open every folded section of the form, as a user taps each heading."""
        folded = self.page.locator("form details.section:not([open]) > summary")
        while folded.count():
            folded.first.click()

    def sent_body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.page.text_content("#request-body") or "")
        return body


@pytest.fixture
def open_page(browser: BrowserContext) -> Iterator[Callable[[str], Tab]]:
    tabs: list[Tab] = []

    def open_(url: str) -> Tab:
        tab = Tab(browser.new_page())

        def guard(route: Route) -> None:
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                tab.offsite.append(route.request.url)
                route.abort()

        tab.page.route("**/*", guard)
        tab.page.on(
            "console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None
        )
        tab.page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
        tab.page.set_default_timeout(10_000)
        tab.page.goto(f"{url}/")
        tab.page.wait_for_selector("body[data-state='ready']")
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        tab.page.close()


def urgent_share(png: bytes, box: dict[str, float] | None = None) -> float:
    """The share of pixels (in `box`, or the whole image) painted in the urgent red."""
    from PIL import Image, ImageChops

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if box is not None:
        left, top = int(box["x"]), int(box["y"])
        image = image.crop((left, top, left + int(box["width"]), top + int(box["height"])))
    mask = Image.new("L", image.size, 255)
    for band, target in zip(image.split(), URGENT_RGB, strict=True):
        near = band.point(lambda value, target=target: 255 if abs(value - target) <= 12 else 0)
        mask = ImageChops.multiply(mask, near)
    return mask.histogram()[255] / (image.width * image.height)


def test_page_shows_the_ranked_answer_the_api_gives(
    live_server: LiveServer, open_page: Callable[[str], Tab]
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    page.select_option("#activity-type", "cycling")
    page.fill("#duration", "150")
    page.fill("#intensity", "6")
    tab.unfold()
    page.fill("#temperature", "33")
    page.fill("#humidity", "60")
    page.fill("#fluids", "400")
    page.select_option("#electrolytes", "false")
    page.fill("#warmup", "0")
    page.select_option("#timing", "during")
    page.select_option("#cramps", "true")
    tab.submit()

    # Empty fields are left out, numbers are numbers, the yes/no selects are booleans.
    body = tab.sent_body()
    assert body == {
        "activity": {"type": "cycling", "duration_min": 150, "intensity_rpe": 6},
        "environment": {"temperature_c": 33, "humidity_pct": 60},
        "hydration": {"fluid_intake_ml": 400, "electrolytes_taken": False},
        "preparation": {"warmup_min": 0},
        "symptoms": {"timing": "during", "cramps": True},
    }
    api = httpx.post(
        f"{live_server.url}/v1/assessments?limit=5&explain=counterfactuals", json=body, timeout=10
    ).json()

    causes = page.locator("#causes > li.cause")
    assert causes.count() == len(api["causes"]) == 5
    for index, expected in enumerate(api["causes"]):
        cause = causes.nth(index)
        assert cause.get_attribute("data-cause-id") == expected["id"]
        assert cause.locator(".cause-title").text_content() == expected["title"]
        assert cause.locator(".cause-score").text_content() == f"{round(expected['score'] * 100)}%"
        shown = cause.locator(".evidence-item")
        assert shown.count() == len(expected["evidence"])
        for line, fact in zip(shown.all(), expected["evidence"], strict=True):
            assert line.get_attribute("data-field") == fact["field"]
            assert line.locator(".evidence-message").text_content() == fact["message"]
    assert any(cause["evidence"] for cause in api["causes"])
    # "What would have helped": each cause's counterfactual messages, in order
    for index, expected in enumerate(api["causes"]):
        helped = causes.nth(index).locator(".counterfactual")
        assert helped.all_text_contents() == [c["message"] for c in expected["counterfactuals"]]
    assert any(cause["counterfactuals"] for cause in api["causes"])
    # the schedule: each tip's actions
    tips = page.locator("#tips > li.tip")
    for index, expected in enumerate(api["tips"]):
        kinds = (
            tips.nth(index)
            .locator(".action")
            .evaluate_all("items => items.map(i => i.dataset.kind)")
        )
        assert kinds == [action["kind"] for action in expected["actions"]]
    assert any(tip["actions"] for tip in api["tips"])
    shown = " ".join(page.locator("#tips .action").all_text_contents())
    assert "ml per hour" in shown

    tip_ids = page.locator("#tips > li.tip").evaluate_all(
        "items => items.map(i => i.dataset.tipId)"
    )
    assert tip_ids == [tip["id"] for tip in api["tips"]] and tip_ids
    follow_ups = page.locator("#follow-ups > li.follow-up").evaluate_all(
        "items => items.map(i => i.dataset.field)"
    )
    assert follow_ups == [question["field"] for question in api["follow_up_questions"]]
    assert page.get_attribute("#triage", "data-level") == api["triage"]["level"] == "self_care"
    assert page.text_content("#triage-headline") == api["triage"]["headline"]
    assert page.text_content("#disclaimer") == api["disclaimer"]
    assert f"Content version {api['content_version']}" in (page.text_content("#meta") or "")
    assert tab.offsite == [] and tab.errors == []


def test_a_red_flag_shows_the_urgent_banner_on_screen(
    live_server: LiveServer, open_page: Callable[[str], Tab], tmp_path: Path
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    tab.submit()  # the prefilled workout, no warning signs
    assert page.get_attribute("#triage", "data-level") == "self_care"
    calm = page.screenshot()
    (tmp_path / "self-care.png").write_bytes(calm)
    assert urgent_share(calm) < 0.001, "no urgent red without a red flag"

    tab.unfold()
    page.check("input[name='symptoms.associated'][value='chest_pain']")
    tab.submit()
    assert tab.sent_body()["symptoms"]["associated"] == ["chest_pain"]
    banner = page.locator("#triage")
    assert banner.get_attribute("data-level") == "urgent"
    assert banner.get_attribute("role") == "alert"
    codes = page.locator("#triage-reasons > li").evaluate_all(
        "items => items.map(i => i.dataset.code)"
    )
    assert "chest_pain" in codes
    # What it may be and what to do now, in order, inside the banner.
    condition = banner.locator(".condition").first
    assert condition.get_attribute("data-condition-id") == "cardiac_warning"
    steps = condition.locator(".condition-first-aid > li").all_text_contents()
    assert steps and steps[0] in (page.text_content("#triage-headline") or "")

    # The banner is in view (the page scrolls to the answer) and painted in the urgent red.
    shot = page.screenshot()
    (tmp_path / "urgent.png").write_bytes(shot)
    box = banner.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
    assert urgent_share(shot, box) > 0.6, f"banner not red on screen; see {tmp_path / 'urgent.png'}"
    assert tab.offsite == [] and tab.errors == []


def test_problems_are_shown_and_a_key_can_be_given(
    start_server: Callable[..., LiveServer], open_page: Callable[[str], Tab]
) -> None:
    server = start_server(REQUIRE_API_KEYS="true")
    tab = open_page(server.url)
    page = tab.page
    tab.submit()
    assert page.is_visible("#error") and not page.is_visible("#answer")
    assert "Unauthorized" in (page.text_content("#error") or "")

    page.click("details.advanced > summary")
    page.fill("#api-key", E2E_ADMIN_KEY)
    tab.submit()
    assert not page.is_visible("#error")
    assert page.locator("#causes > li.cause").count() > 0
    assert tab.offsite == []
    assert all("401" in error for error in tab.errors), tab.errors  # the refused first call


def test_the_health_and_intake_inputs_reach_the_answer(
    live_server: LiveServer, open_page: Callable[[str], Tab]
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    page.select_option("#activity-type", "cycling")
    page.fill("#duration", "75")
    tab.unfold()
    page.fill("#temperature", "")
    page.fill("#fluids", "")
    page.select_option("#diabetes", "type1")
    page.select_option("#glucose-lowering", "true")
    page.fill("#glucose", "3.6")
    page.check("input[name='health.medications'][value='beta2_agonist']")
    page.fill("#caffeine", "150")
    page.fill("#water-temperature", "")
    tab.submit()

    body = tab.sent_body()
    assert body["health"] == {
        "diabetes": "type1",
        "glucose_lowering_medication": True,
        "blood_glucose_mmol_l": 3.6,
        "medications": ["beta2_agonist"],
    }
    assert body["intake"] == {"caffeine_mg": 150}
    first = page.locator("#causes > li.cause").first
    assert first.get_attribute("data-cause-id") == "low_blood_sugar"
    assert page.get_attribute("#triage", "data-level") == "consult"
    assert tab.offsite == [] and tab.errors == []


NARROW = {"width": 390, "height": 844}  # a phone held upright (iPhone 12 to 15)
_WIDER_THAN_THE_VIEWPORT = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (e.className ? '.' + String(e.className).split(' ')[0] : ''))
    .slice(0, 10);
}"""


def test_the_page_has_no_horizontal_overflow_on_a_phone(
    live_server: LiveServer, open_page: Callable[[str], Tab]
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    page.set_viewport_size(NARROW)  # type: ignore[arg-type]
    tab.unfold()
    page.check("input[name='symptoms.associated'][value='chest_pain']")
    page.fill("#warmup", "0")
    page.fill("#fluids", "300")
    page.fill("#temperature", "34")
    tab.submit()  # an answer with evidence, tips, follow-ups and the triage on screen
    page.click("#submit")  # and the form and a long request body below it
    page.wait_for_selector("body[data-state='done']")
    overflow = page.evaluate(_WIDER_THAN_THE_VIEWPORT)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert overflow == [] and scroll_width <= NARROW["width"], (scroll_width, overflow)
    assert tab.offsite == [] and tab.errors == []


SECTIONS = (
    "activity|environment|hydration|nutrition|preparation|training|athlete|symptoms|health|intake"
)
RAW_PATH = re.compile(rf"\b(?:{SECTIONS})\.[a-z_]+")


def test_on_a_phone_the_button_is_near_the_top_and_the_answer_reads_plainly(
    live_server: LiveServer, open_page: Callable[[str], Tab]
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    page.set_viewport_size(NARROW)  # type: ignore[arg-type]
    # The optional sections are folded, so the button is on the first screen.
    assert page.locator("form details.section").count() >= 6
    assert page.locator("form details.section[open]").count() == 0
    button = page.locator("#submit").bounding_box()
    assert button is not None and button["y"] + button["height"] <= NARROW["height"], button
    assert not page.is_visible("#fluids")
    page.click("form details.section:has(#fluids) > summary")
    assert page.is_visible("#fluids")
    page.fill("#fluids", "300")
    page.click("form details.section:has(#temperature) > summary")
    page.fill("#temperature", "34")
    tab.submit()

    # Evidence is labelled in words with units ("Drunk during the workout: 300 ml").
    labels = page.locator(".evidence-label").all_text_contents()
    assert "Drunk during the workout: 300 ml" in labels, labels
    assert "Air temperature: 34 °C" in labels, labels
    # No raw field path (`hydration.fluid_intake_ml`) anywhere in the answer.
    shown = page.inner_text("#answer")
    assert RAW_PATH.findall(shown) == [], RAW_PATH.findall(shown)

    # Schedules in words: the API's drink before, at 120 min, reads "Drink N ml 2 hours before".
    body = tab.sent_body()
    api = httpx.post(
        f"{live_server.url}/v1/assessments?limit=5&explain=counterfactuals", json=body, timeout=10
    ).json()
    before = [
        action
        for tip in api["tips"]
        for action in tip["actions"]
        if action["kind"] == "drink" and action["when"] == "before" and action["offset_min"] == 120
    ]
    assert before, api["tips"]
    actions = page.locator("#tips .action").all_text_contents()
    assert f"Drink {before[0]['amount']} ml 2 hours before" in actions, actions
    assert not any("offset" in text or "(" in text for text in actions), actions
    assert tab.offsite == [] and tab.errors == []


# Offline (issue 30): the page keeps the current version's plan and, when POST /v1/assessments
# cannot be reached at all, answers with the TypeScript evaluator on the device.
OFFLINE_NOTE = "Answered on this device from content version {version}: no connection."
ASSESS_PATH = "/v1/assessments?limit=5"


def _server_answer(server: LiveServer, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.post(f"{server.url}{ASSESS_PATH}", json=body, timeout=10).json()
    return answer


def _shown(page: Page) -> dict[str, Any]:
    """What the page shows of an answer, by the ids and texts the tests compare."""
    ids = "items => items.map(i => i.dataset.{})"
    return {
        "level": page.get_attribute("#triage", "data-level"),
        "headline": page.text_content("#triage-headline"),
        "reasons": page.locator("#triage-reasons > li").evaluate_all(ids.format("code")),
        "conditions": page.locator("#conditions .condition").evaluate_all(
            ids.format("conditionId")
        ),
        "causes": page.locator("#causes > li.cause").evaluate_all(ids.format("causeId")),
        "scores": page.locator("#causes .cause-score").all_text_contents(),
        "tips": page.locator("#tips > li.tip").evaluate_all(ids.format("tipId")),
        "actions": page.locator("#tips .action").all_text_contents(),
        "follow_ups": page.locator("#follow-ups > li.follow-up").evaluate_all(ids.format("field")),
        "disclaimer": page.text_content("#disclaimer"),
    }


def _expected(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "level": answer["triage"]["level"],
        "headline": answer["triage"]["headline"],
        "reasons": [reason["code"] for reason in answer["triage"]["reasons"]],
        "conditions": [condition["id"] for condition in answer["triage"]["conditions"]],
        "causes": [cause["id"] for cause in answer["causes"]],
        "scores": [f"{round(cause['score'] * 100)}%" for cause in answer["causes"]],
        "tips": [tip["id"] for tip in answer["tips"]],
        "follow_ups": [question["field"] for question in answer["follow_up_questions"]],
        "disclaimer": answer["disclaimer"],
    }


def _offline_errors(tab: Tab) -> list[str]:
    """Console errors other than the requests the cut network refused."""
    return [error for error in tab.errors if "ERR_INTERNET_DISCONNECTED" not in error]


def test_without_a_connection_the_page_answers_from_the_kept_plan(
    live_server: LiveServer, open_page: Callable[[str], Tab], browser: BrowserContext
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    page.set_viewport_size(NARROW)  # type: ignore[arg-type]
    page.wait_for_selector("body[data-plan-check='fetched']")
    version = live_server_version(live_server)
    assert f"Content version {version}" in (page.text_content("#plan-status") or "")
    kept = page.evaluate("JSON.parse(localStorage.getItem('tremor-guide.plan'))")
    assert kept["version"] == version and kept["etag"].startswith('"')

    # A cold swim and a body temperature of 34.6 °C: hypothermia, an urgent red flag.
    tab.unfold()
    page.select_option("#activity-type", "swimming")
    page.fill("#duration", "45")
    page.fill("#intensity", "5")
    page.fill("#temperature", "")
    page.fill("#fluids", "")
    page.fill("#water-temperature", "12")
    page.fill("#body-temperature", "34.6")
    browser.set_offline(True)
    try:
        tab.submit()
        assert page.get_attribute("#answer", "data-source") == "device"
        assert page.text_content("#answer-source") == OFFLINE_NOTE.format(version=version)
        assert not page.is_visible("#error")
        body = tab.sent_body()
        assert body["health"] == {"body_temperature_c": 34.6}
        urgent = _server_answer(live_server, body)  # the reference, asked outside the browser
        shown = _shown(page)
        shown.pop("actions")
        assert shown == _expected(urgent)
        assert shown["level"] == "urgent" and shown["conditions"] == ["hypothermia"]
        banner = page.locator("#triage")
        assert banner.get_attribute("role") == "alert"
        condition = urgent["triage"]["conditions"][0]
        assert banner.locator(".condition-title").first.text_content() == condition["title"]
        steps = banner.locator(".condition-first-aid > li").all_text_contents()
        assert steps == condition["first_aid"]
        assert "offline" in (page.text_content("#meta") or "")
        overflow = page.evaluate(_WIDER_THAN_THE_VIEWPORT)
        assert overflow == [], overflow

        # A benign workout answers self-care on the device too.
        page.fill("#water-temperature", "")
        page.fill("#body-temperature", "")
        page.select_option("#activity-type", "running")
        page.fill("#temperature", "18")
        page.fill("#fluids", "500")
        tab.submit()
        assert page.get_attribute("#answer", "data-source") == "device"
        calm = _server_answer(live_server, tab.sent_body())
        shown = _shown(page)
        shown.pop("actions")
        assert shown == _expected(calm)
        assert shown["level"] == "self_care"
    finally:
        browser.set_offline(False)

    # Back online: the server answers again, and the note is gone.
    tab.submit()
    assert page.get_attribute("#answer", "data-source") == "server"
    assert not page.is_visible("#answer-source")
    assert "assessment " in (page.text_content("#meta") or "")
    assert tab.offsite == [] and _offline_errors(tab) == []


def test_a_server_error_is_shown_not_answered_on_the_device(
    live_server: LiveServer, open_page: Callable[[str], Tab]
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    page.wait_for_selector("body[data-plan-check='fetched']")
    page.route(
        "**/v1/assessments*",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body=json.dumps({"title": "Service Unavailable", "status": 503, "detail": "Down."}),
        ),
    )
    tab.submit()
    assert page.is_visible("#error") and not page.is_visible("#answer")
    assert "Service Unavailable" in (page.text_content("#error") or "")
    assert all("503" in error for error in tab.errors), tab.errors


def test_a_reload_revalidates_the_kept_plan_with_its_etag(
    live_server: LiveServer, open_page: Callable[[str], Tab]
) -> None:
    tab = open_page(live_server.url)
    page = tab.page
    page.wait_for_selector("body[data-plan-check='fetched']")
    statuses: list[tuple[str | None, int]] = []
    page.on(
        "response",
        lambda response: (
            statuses.append((response.request.headers.get("if-none-match"), response.status))
            if "/v1/content/versions/" in response.url
            else None
        ),
    )
    page.reload()
    page.wait_for_selector("body[data-plan-check='current']")
    kept = page.evaluate("JSON.parse(localStorage.getItem('tremor-guide.plan'))")
    assert statuses == [(kept["etag"], 304)], statuses
    assert tab.offsite == [] and tab.errors == []


def live_server_version(server: LiveServer) -> int:
    listed = httpx.get(f"{server.url}/v1/content/versions", timeout=10).json()
    current: int = next(item["version"] for item in listed if item["is_current"])
    return current


def test_a_body_the_api_refuses_still_shows_its_red_flag_online_and_offline(
    live_server: LiveServer, open_page: Callable[[str], Tab], browser: BrowserContext
) -> None:
    """A 422 that carries a triage shows the banner and the first aid above the fields to fix."""
    tab = open_page(live_server.url)
    page = tab.page
    page.set_viewport_size(NARROW)  # type: ignore[arg-type]
    page.wait_for_selector("body[data-plan-check='fetched']")
    tab.unfold()
    page.select_option("#activity-type", "swimming")
    page.fill("#water-temperature", "12")
    page.fill("#body-temperature", "34.6")
    # A duration of 0 is refused (422); the page's own checks are lifted to send it.
    page.evaluate("document.querySelector('#duration').removeAttribute('min')")
    page.fill("#duration", "0")
    for offline in (False, True):
        browser.set_offline(offline)
        try:
            tab.submit()
        finally:
            browser.set_offline(False)
        assert page.is_visible("#error") and not page.is_visible("#answer")
        banner = page.locator("#problem-triage")
        assert banner.get_attribute("data-level") == "urgent"
        assert banner.get_attribute("role") == "alert"
        title = banner.locator(".condition-title").first.text_content() or ""
        assert "hypothermia" in title.lower()
        assert banner.locator(".condition-first-aid > li").count() >= 2
        assert "duration" in (page.text_content("#error") or "").lower()

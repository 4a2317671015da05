#!/usr/bin/env python3
"""The operator's web UI in headless Chromium (Debian's chromium + chromedriver, selenium), at 1280
and 1400 px: site-local time in a table, the plots and the CSV; plots with labelled ticks on both
axes and a constant series inside the frame; bar graphs whose labels differ when the bars differ;
the limits page's checkboxes; the string block; the heatmap's outlier; the History tab at each level;
nothing in the header wrapping and the limits table fitting at 1280 px. Checks are made in the DOM;
a screenshot per step. Exit 0 when every check held; each failed check is printed as "FAIL: ...".
"""
import argparse
import datetime
import json
import sys
import time
import zoneinfo

import chromium
from chromium import check
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--screenshots", required=True)
p.add_argument("--password", required=True, help="the administrator's password (already changed from the default)")
p.add_argument("--zone", required=True, help="the site's time zone, e.g. Asia/Kolkata")
p.add_argument("--constant-since", required=True, help="UTC ISO time from which s1's humidity is pinned")
p.add_argument("--humidity", required=True, help="s1's pinned humidity as shown, e.g. 61.5")
p.add_argument("--current", required=True, help="s1's pinned current as shown, e.g. 1.235")
p.add_argument("--outlier", required=True, help="the injected outlier cell, e.g. s2#5")
p.add_argument("--discharge", type=int, help="only check this discharge event's page (a second run)")
a = p.parse_args()

zone = zoneinfo.ZoneInfo(a.zone)
driver = chromium.start(1280)
shot = chromium.Screenshots(driver, a.screenshots)


def open_page(path, ready=None):
    driver.get(a.url + path)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if ready:
        try:
            WebDriverWait(driver, 15).until(lambda d: d.execute_script(ready))
        except Exception:
            check(False, f"{path}: {ready}")


def local(utc_iso):
    t = datetime.datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    return t.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


PLOTS_DRAWN = "return window.btmsPlots && document.querySelectorAll('div.plot').length === window.btmsPlots.length && window.btmsPlots.length > 0"


def check_plots(page):
    """Every plot: at least four labelled ticks on each axis; the data in site-local time."""
    ticks = driver.execute_script("""
        return [...document.querySelectorAll('div.plot')].map(p => ({
          x: [...p.querySelectorAll('.dygraph-axis-label-x')].map(e => e.textContent.trim()).filter(t => t),
          y: [...p.querySelectorAll('.dygraph-axis-label-y')].map(e => e.textContent.trim()).filter(t => t)}))""")
    for i, t in enumerate(ticks):
        check(len(t["x"]) >= 4 and len(t["y"]) >= 4, f"{page}: plot {i + 1} has at least 4 labelled ticks on each axis (x {t['x'][:6]}, y {t['y'][:6]})")
        check(all(" " in y for y in t["y"]), f"{page}: plot {i + 1}'s y ticks carry their unit ({t['y'][:3]})")


try:
    # Log in (the test changed the default password already).
    driver.get(a.url + "/login")
    driver.find_element(By.NAME, "username").send_keys("admin")
    driver.find_element(By.NAME, "password").send_keys(a.password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: d.current_url.rstrip("/") == a.url)

    if a.discharge:
        shot = chromium.Screenshots(driver, a.screenshots, first=21)  # after the first run's screenshots
        # A discharge as the manual shows it: the string's voltage and current together (current on the
        # right axis), its SoC, and the lowest cell's voltage, each with ticks.
        open_page(f"/discharges/{a.discharge}", PLOTS_DRAWN)
        check(len(driver.find_elements(By.CSS_SELECTOR, "div.plot")) == 3, "the discharge page has its three plots")
        labels = driver.execute_script("return window.btmsPlots[0].getLabels()")
        check(labels == ["time", "voltage", "current"], f"voltage and current on one plot ({labels})")
        right = driver.execute_script("return [...document.querySelectorAll('div.plot')[0].querySelectorAll('.dygraph-axis-label-y2')].map(e => e.textContent)")
        check(len(right) >= 3 and all(t.endswith(" A") for t in right), f"the current on its own axis in A ({right[:4]})")
        check_plots("discharge")
        check(driver.find_element(By.ID, "tab-discharge").get_attribute("aria-current") == "page", "under the string's Discharge tab")
        shot("discharge")
        driver.quit()
        sys.exit(1 if chromium.failures else 0)

    # The header stays on one line at 1280 px; the zone is said once, in the footer.
    open_page("/")
    header = driver.execute_script("const h = document.querySelector('header'); return [h.getBoundingClientRect().height, h.scrollWidth <= h.clientWidth + 1]")
    check(header[0] <= 60 and header[1], f"the header fits one line at 1280 px (height {header[0]})")
    footer = driver.find_element(By.ID, "zone").text
    check(a.zone in footer, f"the page says its zone once: '{footer}'")
    tabs = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "nav.tabs a")]
    check(tabs == ["Real-time", "History", "Discharge", "Alarm", "Settings"], f"the manual's tabs at the data centre ({tabs})")
    humidity = driver.find_element(By.CSS_SELECTOR, "#strings tr[data-string='s1'] td[data-key='humidity']").text
    check(humidity == a.humidity, f"humidity in the strings table ({humidity})")
    shot("1280-real-time")

    # Bar graph of the string currents: 1.235 A and 1.238 A differ, and so do the axis labels.
    open_page("/?bar=current")
    values = [e.get_attribute("data-value") for e in driver.find_elements(By.CSS_SELECTOR, "svg#bars rect.bar")]
    ticks = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "svg#bars text.tick")]
    check(len(set(values)) == len(values) == 2, f"the bars carry different values ({values})")
    check(len(ticks) >= 4 and len(set(ticks)) == len(ticks), f"the axis ticks are distinct and labelled ({ticks})")
    heights = [float(e.get_attribute("height")) for e in driver.find_elements(By.CSS_SELECTOR, "svg#bars rect.bar")]
    check(heights[0] != heights[1], f"and the bars differ in height ({heights})")
    shot("bars-current")

    # The string page: the string's own values above its cells.
    open_page("/strings/s1")
    current = driver.find_element(By.CSS_SELECTOR, "#string-block dd[data-key='current']").text
    humidity = driver.find_element(By.CSS_SELECTOR, "#string-block dd[data-key='humidity']").text
    check(current == a.current and humidity == a.humidity, f"the string block shows the injected current {current} A and humidity {humidity} %RH")
    bars = driver.find_elements(By.CSS_SELECTOR, "svg#bars line.limit")
    check(len(bars) >= 1, f"the cells' bar graph draws the alarm limits ({len(bars)} lines)")
    shot("string-block")
    open_page("/strings/s2?bar=voltage")
    alarmed = [e.get_attribute("data-value") for e in driver.find_elements(By.CSS_SELECTOR, "svg#bars rect.bar.alarm")]
    check(alarmed == ["11.000"], f"the outlier's bar is coloured as in alarm ({alarmed})")
    shot("string-bars-alarm")

    # Local time in a table: the outlier's alarm, as the API (UTC) has it, shifted into the zone.
    open_page("/alarms")
    api = json.loads(driver.execute_script("return fetch('/api/v1/alarms').then(r => r.text())"))
    ours = [x for x in api["alarms"] if x["string"] == a.outlier.split("#")[0] and x["cell"] == int(a.outlier.split("#")[1])]
    rows = {r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")[4].text
            for r in driver.find_elements(By.CSS_SELECTOR, "#alarms tbody tr")}
    check(bool(ours) and rows.get(str(ours[0]["id"])) == local(ours[0]["from"]),
          f"the alarm table shows site time ({rows.get(str(ours[0]['id'])) if ours else None} for {ours[0]['from'] if ours else None})")
    csv = driver.execute_script("return fetch('/alarms.csv').then(r => r.text())").strip().split("\n")
    offset = datetime.datetime.now(zone).strftime("%z")
    offset = offset[:3] + ":" + offset[3:]
    check(len(csv) > 1 and all(offset + "," in line for line in csv[1:]), f"the CSV's times carry the site's offset {offset} ({csv[1][:60] if len(csv) > 1 else ''})")
    shot("alarms-local-time")

    # The History tab at each level; plots with ticks; a constant series inside the frame.
    for path, title in [("/history", "data centre"), ("/ups/u1/history", "UPS"), ("/strings/s2/history?quantity=cell-voltage&cells=5,6,7", "string")]:
        open_page(path, PLOTS_DRAWN)
        check(driver.find_element(By.ID, "tab-history").get_attribute("aria-current") == "page", f"the History tab of the {title}")
        check_plots(f"{title} history")
        shot(f"history-{title.replace(' ', '-')}")
    labels = driver.execute_script("return window.btmsPlots[0].getLabels()")
    check(labels == ["time", "cell 5", "cell 6", "cell 7"], f"several cells on one plot ({labels})")
    constant = f"/strings/s1/history?quantity=humidity&period=custom&from={a.constant_since}&to=now"
    open_page(constant, PLOTS_DRAWN)
    inside = driver.execute_script(f"""
        const g = window.btmsPlots[0], area = g.getArea(), y = g.toDomYCoord({a.humidity});
        return [y, area.y, area.y + area.h]""")
    check(inside[1] + 3 < inside[0] < inside[2] - 3, f"a constant series is drawn inside the plot area (y {inside[0]:.0f} in {inside[1]:.0f}…{inside[2]:.0f})")
    check_plots("constant humidity")
    shift = driver.execute_script("""
        const d = JSON.parse(document.querySelector('div.plot script').textContent);
        return [d.rows[d.rows.length - 1][0] - Date.now(), window.btmsPlots[0].getOption('labelsUTC')]""")
    expected = datetime.datetime.now(zone).utcoffset().total_seconds() * 1000
    check(abs(shift[0] - expected) < 120_000 and shift[1], f"the plot's time axis is in site time (shifted {shift[0] / 3600000:.2f} h)")
    shot("history-constant")

    # A discharge-style plot set and the cell page: voltage, resistance, temperature, SoH together.
    open_page("/strings/s2/cells/5?period=1h", PLOTS_DRAWN)
    check(len(driver.find_elements(By.CSS_SELECTOR, "div.plot")) == 4, "the cell page plots voltage, resistance, temperature and SoH")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#cell-alarms tbody tr")) >= 1, "and lists the cell's alarms")
    check_plots("cell page")
    shot("cell-page")

    # The heatmap: every cell, the injected outlier marked (largest deviation, outlined as in alarm).
    open_page("/heatmap", "return window.btmsHeatmap && window.btmsHeatmap.drawn")
    h = driver.execute_script("return window.btmsHeatmap")
    check(h["cells"] == 32 and h["outliers"][0] == a.outlier and a.outlier in h["marked"],
          f"the heatmap draws every cell and marks the outlier ({h['cells']} cells, outliers {h['outliers'][:2]}, marked {h['marked'][:3]})")
    first = driver.find_element(By.CSS_SELECTOR, "#deviations tbody tr").get_attribute("data-cell")
    check(first == a.outlier, f"the largest deviation is listed first ({first})")
    shot("heatmap")
    canvas = driver.find_element(By.CSS_SELECTOR, "#heatmap canvas")
    s, n = a.outlier.split("#")
    driver.execute_script("""
        const c = arguments[0], b = c.getBoundingClientRect(), i = arguments[1], n = arguments[2];
        const rows = JSON.parse(document.querySelector('#heatmap script').textContent).rows;
        const cells = Math.max(...rows.map(r => r ? r.length : 0));
        const cw = Math.max(3, Math.floor((Math.max(600, Math.min(c.parentElement.clientWidth || 1100, 1180)) - 64) / cells));
        const ch = Math.max(8, Math.min(20, Math.floor(560 / rows.length)));
        const x = 64 + (n - 1) * cw + cw / 2, y = i * ch + ch / 2;
        c.dispatchEvent(new MouseEvent('click', {clientX: b.left + x * b.width / c.width, clientY: b.top + y * b.height / c.height, bubbles: true}));
        """, canvas, ["s1", "s2"].index(s), int(n))
    WebDriverWait(driver, 10).until(lambda d: "/cells/" in d.current_url)
    check(driver.current_url.endswith(f"/strings/{s}/cells/{n}"), f"a click on the outlier opens its cell ({driver.current_url})")

    # The limits page at 1280 px: checkboxes for switches, the table within the window; unticking
    # e-mail for cellVoltageHigh changes the stored limit.
    open_page("/strings/s1/limits")
    fits = driver.execute_script("return document.querySelector('#limits').getBoundingClientRect().right <= window.innerWidth")
    check(fits, "the limits table fits 1280 px (Save is on screen)")
    row = driver.find_element(By.ID, "row-cellVoltageHigh")
    boxes = row.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")
    check(len(boxes) == 3, f"enabled, SMS and e-mail are checkboxes ({len(boxes)})")
    email = row.find_element(By.NAME, "email")
    if email.is_selected():
        email.click()
    old = driver.find_element(By.TAG_NAME, "html")
    row.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice"))
    stored = json.loads(driver.execute_script("return fetch('/api/v1/strings/s1/limits').then(r => r.text())"))
    high = [x for x in stored if x["type"] == "cellVoltageHigh"]
    check(bool(high) and high[0]["email"] is False and high[0]["enabled"] is True, f"the unticked box is stored (e-mail {high[0]['email'] if high else None})")
    shot("limits-1280")

    # The same at 1400 px.
    driver.set_window_size(1400, 1000)
    open_page("/strings/s2")
    shot("1400-string")
finally:
    driver.quit()

sys.exit(1 if chromium.failures else 0)

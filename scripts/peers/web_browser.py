#!/usr/bin/env python3
"""Drives the gateway's web UI in headless Chromium (Debian's chromium + chromedriver, selenium).

Logs in as the default administrator, is forced to change the password, opens every tab at each
level (data centre, UPS, string; settings pages), finds a cell voltage the test injected, sorts the
cells table, downloads the alarm and cells CSVs, saves a string alarm limit and waits until the
alarms it causes are listed, saves the project name and sees it in the header, starts a data export,
watches it finish and downloads it. Saves a screenshot per step. Exit 0 when every check held; each
failed check is printed as "FAIL: ...".
"""
import argparse
import sys
import time

import chromium
from chromium import check
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--screenshots", required=True)
p.add_argument("--string", required=True, help="string with the injected cell")
p.add_argument("--cell", type=int, required=True)
p.add_argument("--voltage", required=True, help="expected text, e.g. 12.345")
p.add_argument("--limit-string", required=True, help="string whose cellVoltageHigh limit is lowered")
a = p.parse_args()

driver = chromium.start(1400)
shot = chromium.Screenshots(driver, a.screenshots)


def submit(fields, button="button[type=submit]"):
    """Fills and sends a form; returns when the answer page has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    for name, value in fields.items():
        e = driver.find_element(By.NAME, name)
        e.clear()
        e.send_keys(value)
    driver.find_element(By.CSS_SELECTOR, button).click()
    wait_for_new_page(old)


def wait_for_new_page(old):
    def replaced(_):
        try:
            old.tag_name
            return False
        except Exception:
            return driver.execute_script("return document.readyState") == "complete"
    WebDriverWait(driver, 15).until(replaced)


def click(locator, value):
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(locator, value).click()
    wait_for_new_page(old)


try:
    driver.get(a.url + "/")
    check(driver.current_url.endswith("/login"), "no session: the login page")
    shot("login")
    submit({"username": "admin", "password": "admin"})
    check(driver.current_url.endswith("/password"), "the default password must be changed first")
    shot("forced-password-change")
    submit({"current": "admin", "new": "browser-pass-123", "confirm": "short"})
    check("does not match" in driver.find_element(By.ID, "confirm-problem").text, "a wrong field is named")
    submit({"current": "admin", "new": "browser-pass-123", "confirm": "browser-pass-123"})
    check(driver.current_url.rstrip("/") == a.url, "then the real-time data")
    try:
        WebDriverWait(driver, 12).until(lambda d: d.find_element(By.ID, "strings").get_attribute("data-updated"))
        check(True, "the values refresh without reloading (live.js fetched /api/v1/live)")
    except Exception:
        check(False, "the values refresh without reloading (live.js fetched /api/v1/live)")
    shot("real-time")
    click(By.CSS_SELECTOR, "aside.tree a[href='/ups/u2']")
    strings = [r.get_attribute("data-string") for r in driver.find_elements(By.CSS_SELECTOR, "#strings tbody tr")]
    check(strings == ["s2"], f"the tree's UPS level shows that UPS's strings only (saw {strings})")
    shot("ups")

    click(By.LINK_TEXT, a.string)
    rows = driver.find_elements(By.CSS_SELECTOR, "#cells tbody tr")
    cell = [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows if r.find_elements(By.TAG_NAME, "td")[0].text == str(a.cell)]
    check(cell == [a.voltage], f"cell {a.cell} of {a.string} shows {a.voltage} V (saw {cell})")
    try:
        WebDriverWait(driver, 12).until(lambda d: d.find_element(By.ID, "cells").get_attribute("data-updated"))
        shown = driver.find_element(By.CSS_SELECTOR, f"#cells tr[data-cell='{a.cell}'] td[data-key='voltage']").text
        check(shown == a.voltage, f"the cells refresh without reloading (live.js fetched /api/v1/strings/ID; cell {a.cell} now {shown})")
    except Exception:
        check(False, "the cells refresh without reloading (live.js fetched /api/v1/strings/ID)")
    shot("cells")
    click(By.ID, "tab-history")
    check(len(driver.find_elements(By.ID, "plot")) == 1, "the history page has a plot")
    shot("history")
    for tab, marker in [("Discharge", "discharges"), ("Alarm", "alarms")]:
        click(By.ID, f"tab-{tab.lower()}")
        check(len(driver.find_elements(By.ID, marker)) == 1, f"the {tab} tab")
        shot(tab.lower())
    csv = driver.execute_script("return fetch('/alarms.csv').then(r => r.text())")
    lines = csv.strip().split("\n")
    check(lines[0] == "id,ups,string,cell,from,to,alarm,type,status,value,limit,unit", "the alarm CSV download has its header")
    shown = len(driver.find_elements(By.CSS_SELECTOR, "#alarms tbody tr"))
    check(len(lines) - 1 >= shown, f"and a row per alarm ({len(lines) - 1} rows, {shown} shown)")

    driver.get(f"{a.url}/strings/{a.limit_string}/limits")
    row = driver.find_element(By.ID, "row-cellVoltageHigh")
    for name, value in [("limit", "13.0"), ("hysteresis", "0.01"), ("onDelay", "0s")]:
        e = row.find_element(By.NAME, name)
        e.clear()
        e.send_keys(value)
    old = driver.find_element(By.TAG_NAME, "html")
    row.find_element(By.TAG_NAME, "button").click()
    wait_for_new_page(old)
    check("Saved Cell voltage high" in driver.page_source, "the alarm limit is saved")
    shot("limit-saved")
    applied = False
    for _ in range(40):
        driver.get(a.url + "/alarms?active=1")
        if any(a.limit_string in r.text and "Cell voltage high" in r.text for r in driver.find_elements(By.CSS_SELECTOR, "#alarms tbody tr")):
            applied = True
            break
        time.sleep(0.5)
    check(applied, "and applied: the string's cells alarm above the new limit")
    shot("alarms-after-limit")
    for path, marker in [("/alarms/email", "log"), ("/alarms/sms", "log")]:
        driver.get(a.url + path)
        check(len(driver.find_elements(By.ID, marker)) == 1, f"the {path} log tab")
    shot("sms-log")

    # String level: the cells table sorted by a click on its header; its CSV; the bar graph.
    driver.get(f"{a.url}/strings/{a.string}")
    click(By.PARTIAL_LINK_TEXT, "Voltage V")
    click(By.PARTIAL_LINK_TEXT, "Voltage V")  # a second click: highest first
    volts = [float(r.find_elements(By.TAG_NAME, "td")[1].text) for r in driver.find_elements(By.CSS_SELECTOR, "#cells tbody tr")]
    check(volts == sorted(volts, reverse=True), f"the cells table sorts by voltage, highest first ({volts[:4]}...)")
    check(len(driver.find_elements(By.CSS_SELECTOR, "svg#bars rect[fill]")) > 1, "the string's bar graph across cells")
    shot("cells-sorted")
    href = driver.find_element(By.ID, "cells-csv").get_attribute("href")
    cells_csv = driver.execute_script("return fetch(arguments[0]).then(r => r.text())", href).strip().split("\n")
    check(cells_csv[0].startswith("cell,voltage_V") and any(l.startswith(f"{a.cell},{a.voltage},") for l in cells_csv),
          "the cells CSV has the injected cell")
    driver.get(a.url + "/?bar=soc")
    check(len(driver.find_elements(By.CSS_SELECTOR, "svg#bars rect[fill]")) > 1, "the data centre's bar graph across strings")
    shot("strings-bar-graph")

    # Settings: every page opens; a saved project name shows in the header.
    driver.get(a.url + "/settings")
    shot("settings")
    for page, marker in [("network", "form-network"), ("time", "form-time"), ("email", "form-notifications"), ("sms", "form-notifications"),
                         ("snmp", "form-snmp"), ("mqtt", "uplink-state"), ("project", "form-project"), ("users", "users"),
                         ("audit", "audit")]:
        driver.get(f"{a.url}/settings/{page}")
        check(len(driver.find_elements(By.ID, marker)) == 1, f"the {page} settings page")
        shot(f"settings-{page}")
    # The SMS page as a browser sends it (every field, defaults included): only the gateway's URL typed.
    driver.get(a.url + "/settings/sms")
    submit({"sms.http.url": "http://127.0.0.1:9/send?to={to}"}, button="#save-notifications")
    notice = driver.find_elements(By.ID, "notice")
    check(bool(notice) and "Saved and applied" in notice[0].text, "the SMS settings save from the browser's form")
    shot("sms-saved")
    driver.get(a.url + "/settings/project")
    submit({"name": "Browser hall", "url": "https://example.org", "owner": "Hall Owner GmbH"}, button="#save-project")
    header = driver.find_element(By.TAG_NAME, "header").text
    check("Browser hall" in header and "Hall Owner GmbH" in header, f"the project name and owner are saved and in the header ({header!r})")
    shot("project-saved")

    # A data export: started, its progress shown until the file is listed, then downloaded.
    driver.get(a.url + "/settings/exports")
    submit({"from": "-1h", "to": "now"}, button="#start-export")
    check("started" in driver.find_element(By.ID, "notice").text, "the export starts")
    shot("export-started")
    links = []
    for _ in range(40):
        links = driver.find_elements(By.CSS_SELECTOR, "#exports a[download]")
        if links:
            break
        time.sleep(0.5)
        driver.get(a.url + "/settings/exports")
    check(len(links) == 1, "the finished export is listed with its size and time")
    shot("export-listed")
    if links:
        text = driver.execute_script("return fetch(arguments[0]).then(r => r.text())", links[0].get_attribute("href")).strip().split("\n")
        check(text[0].startswith("time,ups,string,voltage_V") and len(text) > 2 and any(f",{a.string}," in l for l in text[1:]),
              f"the export downloads with a row per stored sample ({len(text) - 1} rows)")
finally:
    driver.quit()

sys.exit(1 if chromium.failures else 0)

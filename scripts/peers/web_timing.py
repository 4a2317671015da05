#!/usr/bin/env python3
"""Times the web UI in headless Chromium for `bmgw bench web` (a full-size gateway): navigation start
to a drawn one-year plot and to the drawn heatmap of every cell (the pages' own performance.now()
stamps, median of 5 loads each), and the weight of each page type (document and the files it
loads, uncompressed). Prints one line per figure."""
import argparse
import statistics

import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--user", required=True)
p.add_argument("--password", required=True)
a = p.parse_args()

driver = chromium.start(1400)
try:
    driver.get(a.url + "/login")
    driver.find_element(By.NAME, "username").send_keys(a.user)
    driver.find_element(By.NAME, "password").send_keys(a.password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url.rstrip("/") == a.url)

    def timed(path, stamp, loads=5):
        times = []
        for _ in range(loads):
            driver.get(a.url + path)
            WebDriverWait(driver, 60).until(lambda d: d.execute_script(f"return {stamp} !== undefined && {stamp} !== null"))
            times.append(driver.execute_script(f"return {stamp}"))
        return statistics.median(times), max(times)

    plot = timed("/strings/a1/history?quantity=cell-voltage&cells=61&period=365d", "window.btmsPlotsDrawnAt")
    heat = timed("/heatmap", "(window.btmsHeatmap || {}).drawnAt")
    print(f"browser, navigation to drawn: one-year plot of a cell {plot[0]:.0f} ms (max {plot[1]:.0f}); "
          f"heatmap of 3840 cells {heat[0]:.0f} ms (max {heat[1]:.0f}); goal ≤ 1000 ms each")
    weights = []
    for name, path in [("real-time", "/"), ("string", "/strings/a1"), ("history (1 year)", "/strings/a1/history?quantity=cell-voltage&cells=61&period=365d"),
                       ("heatmap", "/heatmap"), ("alarms", "/alarms"), ("limits", "/strings/a1/limits"), ("settings", "/settings/snmp")]:
        driver.get(a.url + path)
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
        doc, files = driver.execute_script("""
            const n = performance.getEntriesByType('navigation')[0];
            const r = performance.getEntriesByType('resource');
            return [n.decodedBodySize, r.reduce((s, e) => s + (e.decodedBodySize || 0), 0)]""")
        weights.append(f"{name} {doc / 1024:.0f} + {files / 1024:.0f} KiB")
    print("page weight (document + files it loads, uncompressed; files are cached): " + "; ".join(weights))
finally:
    driver.quit()

"""Prints a gateway page to PDF with headless Chromium, as a user's "Save as PDF" would: logs in,
opens the page, and asks the browser for the PDF (DevTools' Page.printToPDF, what --print-to-pdf
uses) with the page's own @page size. Also saves a screenshot of the page on screen."""
import argparse
import base64
import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

p = argparse.ArgumentParser()
p.add_argument("--url", required=True, help="https://host:port")
p.add_argument("--page", required=True, help="path of the page, e.g. /discharges/1/report")
p.add_argument("--user", required=True)
p.add_argument("--password", required=True)
p.add_argument("--pdf", required=True)
p.add_argument("--screenshot", required=True)
a = p.parse_args()

driver = chromium.start(1400, 1000)
try:
    driver.get(a.url + "/login")
    driver.find_element(By.NAME, "username").send_keys(a.user)
    driver.find_element(By.NAME, "password").send_keys(a.password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 15).until(lambda d: not d.current_url.endswith("/login"))
    driver.get(a.url + a.page)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")
    chromium.check(driver.find_elements(By.ID, "capacity") != [], "the report page is shown")
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, min(max(height + 150, 1000), 6000))
    driver.save_screenshot(a.screenshot)
    pdf = driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
    with open(a.pdf, "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    chromium.check(True, "printed")
finally:
    driver.quit()
raise SystemExit(1 if chromium.failures else 0)

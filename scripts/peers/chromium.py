"""Headless Chromium for the browser tests and the bench: Debian's chromium and chromedriver, driven
by selenium; and the tests' way of saying what held ("ok: …" / "FAIL: …")."""
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures.append(what)


def start(width=1400, height=1000):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"]:
        options.add_argument(arg)
    options.accept_insecure_certs = True  # the gateway's self-signed certificate (curl tests check it properly)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


class Screenshots:
    """Numbered screenshots of each step: `shots("login")` saves `NN-login.png` in `folder`."""

    def __init__(self, driver, folder, first=1):
        self.driver, self.folder, self.step = driver, folder, first - 1

    def __call__(self, name):
        self.step += 1
        self.driver.save_screenshot(f"{self.folder}/{self.step:02d}-{name}.png")

"""Scrapy settings: polite by default. `ogi crawl --fast` (tests, local farms) lifts the delays
but never robots.txt."""

BOT_NAME = "ogi-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent with a contact URL; set OGI_USER_AGENT / -s USER_AGENT=… to your own.
USER_AGENT = ("ogi-archive/0.1 (+https://github.com/ogi-archive/ogi-archive; "
              "archive of 政府信息公开工作年度报告 for research)")
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 32 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0      # seconds before the first retry, doubled each time
RETRY_BACKOFF_MAX = 120.0

HTTPERROR_ALLOW_ALL = True    # every status reaches the spider; the capture records it
# No cookies: we never solve challenges, and Scrapy's cookie jar would fetch the public
# suffix list from the network on first use.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
DEPTH_LIMIT = 20
CONCURRENT_ITEMS = 4          # we yield requests, not items: fewer idle workers per callback

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.CaptureMiddleware": 120,
}
EXTENSIONS = {
    "crawler.report.CrawlRun": 100,
    "crawler.progress.Progress": 200,
}
OGI_PROGRESS = False

# Politeness off: only for the demo farm, benchmarks and sites you run yourself.
FAST = {
    "DOWNLOAD_DELAY": 0, "RANDOMIZE_DOWNLOAD_DELAY": False, "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "RETRY_BACKOFF_BASE": 0,
}

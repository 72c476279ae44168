"""Scrapy settings: polite by default. `ogi crawl --fast` (tests, local farms) lifts the delays
but never robots.txt, Retry-After or the per-host concurrency limit."""

BOT_NAME = "ogi-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The User-Agent names the operator's contact: `ogi crawl --contact URL`, or OGI_CONTACT in the
# environment. HTTP header values are ASCII (RFC 9110), so it is plain ASCII.
OGI_CONTACT = ""
UA_TEMPLATE = "ogi-archive/0.1 (+{contact}; annual OGI report archiver)"
UA_NO_CONTACT = (
    "ogi-archive/0.1 (annual OGI report archiver; operator contact not set: "
    "ogi crawl --contact URL)"
)
USER_AGENT = UA_NO_CONTACT
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay drawn from ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# one queue per host: a host that waits (delay, Retry-After) does not hold the others up
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
# each queue's newest requests in memory, the rest and what is left at close in Scrapy's own
# pickled files in the JOBDIR (crawler/queues.py)
SCHEDULER_DISK_QUEUE = "crawler.queues.SpillingLifoQueue"
OGI_QUEUE_IN_MEMORY = 32  # requests per host and priority kept in memory (~1.6 KB each)
OGI_QUEUE_IN_MEMORY_TOTAL = 4096  # and in all queues of a crawl together (~6.5 MB)
DOWNLOADER = "crawler.downloader.Downloader"  # the per-host limit held (crawler/downloader.py)

DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024  # on the wire, and again after decompression
DOWNLOAD_WARNSIZE = 0  # large bodies are normal (scans); no log line each
DOWNLOAD_FAIL_ON_DATALOSS = False  # a cut body reaches the recorder: retried, then kept
OGI_BODY_IN_MEMORY = 16 * 1024 * 1024  # decoded bodies above this stay on disk (crawler/decode.py)
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubled each time
RETRY_BACKOFF_MAX = 120.0
RETRY_AFTER_MAX = 300.0  # a longer Retry-After is not waited for: the next crawl retries
RETRY_GIVE_UP_LOG_LEVEL = "INFO"  # the capture row and the report say it; no ERROR line

HTTPERROR_ALLOW_ALL = True  # every status reaches the spider; the capture records it
# No cookies: we never solve challenges, and Scrapy's cookie jar would fetch the public
# suffix list from the network on first use.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's downloader/* byte and count stats: nothing reads them (the crawl report counts
# from the capture rows), and sizing every request and response costs CPU on each
DOWNLOADER_STATS = False
LOG_LEVEL = "INFO"
LOG_FILE_APPEND = True  # the log file (ARCHIVE/logs/<crawl>.log) goes on after a resume
STATS_DUMP = True  # to the log file only (crawler/run.py sends no log to the console)
DEPTH_LIMIT = 20
OGI_MAX_LIST_PAGES = 1000  # list pages per portal; past it the column's crawl is incomplete
CONCURRENT_ITEMS = 4  # we yield requests, not items: fewer idle workers per callback

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsMiddleware": 100,
    "crawler.capture.CaptureMiddleware": 120,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryMiddleware": 550,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.decode.DecodeMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectGuard": 600,
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "crawler.middlewares.DepthLimit": 900,
}
EXTENSIONS = {
    "crawler.report.CrawlRun": 100,
    "crawler.progress.Progress": 200,
    "crawler.progress.ReactorLag": 300,
    "crawler.node_store.NodeProgress": 400,  # only in a Scrapyd node's job
}
OGI_PROGRESS = False
OGI_WRITER_THREAD = True  # bodies, WARC records and rows written off the reactor
OGI_WACZ = True  # package each finished crawl as ARCHIVE/wacz/<crawl>.wacz

# Politeness off: only for the demo farm, benchmarks and sites you run yourself.
FAST = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_BACKOFF_BASE": 0,
}

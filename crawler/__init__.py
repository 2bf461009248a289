"""The Scrapy project: spiders discover and fetch, middlewares archive, pipelines hash, dedupe, parse, store."""

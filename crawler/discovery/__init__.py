"""Discovery strategies, one module each; the spider asks them what to follow.

- `text`: is this link text a report title, a notice about reports, a column name?
- `links`: every link of a page with its text, classified and scored (domain.md §2.1)
- `pagination`: every pagination style of domain.md §2.2 (index_N, ?page=N, /N.htm, JS vars)
- `trs`, `hanweb`, `vsb`: the CMS families (createPageHTML; dataproxy.jsp XML; /info/<col>/)
- `redirects`: JS `location.href/replace` shells and meta refresh
- `scope`: which hosts belong to a county, and URL traps (calendars, loops, endless queries)
"""

"""The public stream as a change feed: one watcher per state store reads
`gupshup.getPublicStream` and applies every new post to what is cached (`watcher`), at a
pace chosen from the budget and the post rate (`plan`); the pages' arithmetic is `pages`,
the paging back is `reader`, what every process knows of the feed is `status`."""

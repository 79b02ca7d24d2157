"""Notes are Markdown, rendered by markdown-it-py (raw HTML off) and then cleaned by nh3: only
text formatting, lists, tables, code and links to http(s)/mailto survive, so a note can hold
no script, event handler, style or javascript: link, whatever its author typed."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render(text: str) -> str:
    """Safe HTML of a note's Markdown (images in Markdown are not shown: photos are
    attachments, served through the project check)."""
    return clean(_md.render(text or ""))


def clean(html: str) -> str:
    """Only the allowed tags, attributes and link schemes of ``html`` (nh3, an HTML5 parser):
    the second guard, should the Markdown renderer ever pass markup through."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )

"""The JavaScript apify-client (npm, unchanged) on emulated datasets, through the standalone process."""

from __future__ import annotations

from pathlib import Path

from examples.test_howto_js_client import _run_node, js_apify_client, standalone

__all__ = ["js_apify_client", "standalone"]  # the how-to's fixtures, used here too

NODE_SCRIPT = r"""
const { ApifyClient } = require('apify-client');

async function main() {
    const [baseUrl, token] = process.argv.slice(2);
    const client = new ApifyClient({ baseUrl, token, maxRetries: 0 });
    const made = await client.datasets().getOrCreate('js-shop');
    const again = await client.datasets().getOrCreate('js-shop');
    const dataset = client.dataset(made.id);
    await dataset.pushItems({ title: 'one', '#debug': 1 });
    await dataset.pushItems(Array.from({ length: 1004 }, (_, n) => ({ title: `item ${n}`, tags: ['a'] })));
    const all = await dataset.listItems();
    const picked = await dataset.listItems({ fields: ['tags', 'title'], offset: 1, limit: 1, clean: true });
    const csv = (await dataset.downloadItems('csv', { limit: 2 })).toString('utf8');
    const got = await dataset.get();
    const renamed = await dataset.update({ name: 'js-store' });
    await dataset.delete();
    console.log(JSON.stringify({
        same: again.id === made.id, total: all.total, count: all.items.length, picked: picked.items,
        csv, itemCount: got.itemCount, cleanItemCount: got.cleanItemCount, renamed: renamed.name,
        gone: (await dataset.get()) === undefined,
    }));
}

main().catch((error) => { console.error(error); process.exit(1); });
"""


def test_the_js_client_on_datasets(standalone: str, js_apify_client: Path, tmp_path: Path) -> None:
    out = _run_node(NODE_SCRIPT, standalone, js_apify_client, tmp_path)
    assert out["same"] and out["total"] == out["count"] == 1005
    assert out["picked"] == [{"tags": ["a"], "title": "item 0"}]
    assert out["csv"].lstrip("\ufeff").splitlines() == ["title,#debug,tags/0", "one,1,", "item 0,,a"]
    assert (out["itemCount"], out["cleanItemCount"], out["renamed"], out["gone"]) == (
        1005,
        1005,
        "js-store",
        True,
    )

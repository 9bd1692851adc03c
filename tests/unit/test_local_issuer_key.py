"""The local issuer's key file: processes that start together (pytest-xdist's workers,
`make run` beside the tests) all read one complete key, never a half-written one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from infra.local.issuer import _load_or_create_key


def test_issuers_starting_together_share_one_complete_key(tmp_path):
    path = tmp_path / ".local" / "issuer-key.pem"
    with ThreadPoolExecutor(max_workers=6) as pool:
        keys = list(pool.map(lambda _: _load_or_create_key(path), range(6)))
    assert len({k.as_pem(private=True) for k in keys}) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["issuer-key.pem"]  # no temporary files left

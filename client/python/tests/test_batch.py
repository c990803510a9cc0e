"""batch_start against the real gateway and simulator, started per test:
a result per item in order, an item's error returned (not raised) beside
the others' compiles, a retried batch of keyed items returning the same
compiles without triggering CXone again, a call-level error raised, and an
item the client refuses named by its index, with nothing sent."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import List

import grpc
import pytest

import cxone_compile
from cxone_compile import StartItem
from cxone_compile.aio import AsyncClient

WAIT = 60.0
BAD_LABEL = 5
BAD_FLOW = 12


def twenty_items(prefix: str) -> List[StartItem]:
    """20 keyed items of distinct flows; BAD_LABEL has a label and BAD_FLOW
    a flow id the gateway refuses (the client checks only types, so both
    reach the gateway)."""
    items = [
        StartItem(f"{prefix}-flow-{i}", request_id=f"{prefix}-{i}",
                  labels={"suite": prefix, "item": str(i)})
        for i in range(20)
    ]
    items[BAD_LABEL] = StartItem(f"{prefix}-flow-{BAD_LABEL}",
                                 request_id=f"{prefix}-{BAD_LABEL}",
                                 labels={"bad key!": "x"})
    items[BAD_FLOW] = StartItem("bad/flow", request_id=f"{prefix}-{BAD_FLOW}")
    return items


def check_results(items: List[StartItem], results) -> None:
    assert len(results) == len(items)
    for i, (item, result) in enumerate(zip(items, results)):
        if i in (BAD_LABEL, BAD_FLOW):
            assert isinstance(result, cxone_compile.InvalidArgumentError), (i, result)
            assert result.code == grpc.StatusCode.INVALID_ARGUMENT
            continue
        assert isinstance(result, cxone_compile.Compile), (i, result)
        assert result.flow_id == item.flow_id, i
        assert dict(result.labels) == item.labels, i
    assert "bad key!" in results[BAD_LABEL].message
    assert "flow_id" in results[BAD_FLOW].message


def test_a_batch_answers_per_item_in_order_and_a_retry_returns_the_same_compiles(stack):
    items = twenty_items("py-batch")
    with cxone_compile.Client(stack.gateway.address) as client:
        first = client.batch_start(items, timeout=WAIT)
        check_results(items, first)

        again = client.batch_start(items, timeout=WAIT)
        check_results(items, again)
        for i, (before, after) in enumerate(zip(first, again)):
            if isinstance(before, cxone_compile.Compile):
                assert after.name == before.name, i

        # Each good item is one compile, found by its key; CXone was
        # triggered once per flow, the retry included.
        for i, item in enumerate(items):
            if i in (BAD_LABEL, BAD_FLOW):
                with pytest.raises(cxone_compile.NotFoundError):
                    client.lookup(item.request_id)
                continue
            assert client.lookup(item.request_id).name == first[i].name
            assert len(stack.sim.compiles_of(item.flow_id)) == 1, item.flow_id
        assert len(list(client.list(label_selector="suite=py-batch"))) == 18


def test_a_batch_of_no_items_or_over_a_thousand_raises_invalid_argument(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        with pytest.raises(cxone_compile.InvalidArgumentError, match="0 items"):
            client.batch_start([], timeout=WAIT)
        too_many = [StartItem(f"f-{i}") for i in range(1001)]
        with pytest.raises(cxone_compile.InvalidArgumentError, match="1001 items"):
            client.batch_start(too_many, timeout=WAIT)
        assert list(client.list()) == []


def test_an_item_the_client_refuses_is_named_by_its_index_and_nothing_is_sent(stack):
    with cxone_compile.Client(stack.gateway.address) as client:
        with pytest.raises(TypeError, match=r"items\[2\] \(flow 'c'\)"):
            client.batch_start([StartItem("a"), StartItem("b"),
                                StartItem("c", labels={"commit": 42})])  # type: ignore[dict-item]
        with pytest.raises(ValueError, match=r"items\[1\]"):
            client.batch_start([StartItem("a"), StartItem("b", directives={"x": object()})])
        with pytest.raises(TypeError, match=r"items\[0\] must be a StartItem"):
            client.batch_start(["main-menu"])  # type: ignore[list-item]
        with pytest.raises(TypeError, match="collection of StartItems"):
            client.batch_start(StartItem("a"))  # type: ignore[arg-type]
        assert list(client.list()) == []


def test_a_call_that_cannot_reach_the_gateway_raises_unavailable(stack):
    address = stack.gateway.address
    stack.gateway.stop()
    with cxone_compile.Client(address) as client:
        with pytest.raises(cxone_compile.UnavailableError):
            client.batch_start([StartItem("main-menu", request_id="py-batch-down")],
                               timeout=WAIT)


def test_the_async_client_answers_per_item_and_raises_for_the_call(stack):
    items = twenty_items("py-abatch")

    async def run() -> None:
        async with AsyncClient(stack.gateway.address) as client:
            first = await client.batch_start(items, timeout=WAIT)
            check_results(items, first)
            again = await client.batch_start(items, timeout=WAIT)
            assert [getattr(r, "name", None) for r in again] == [
                getattr(r, "name", None) for r in first]
            with pytest.raises(cxone_compile.InvalidArgumentError, match="0 items"):
                await client.batch_start([], timeout=WAIT)
            with pytest.raises(TypeError, match=r"items\[1\]"):
                await client.batch_start([StartItem("a"), StartItem("b", labels={"k": 1})])  # type: ignore[dict-item]

    asyncio.run(run())
    for i, item in enumerate(items):
        if i not in (BAD_LABEL, BAD_FLOW):
            assert len(stack.sim.compiles_of(item.flow_id)) == 1, item.flow_id


def test_the_readme_batch_snippet_runs_as_written(stack, capsys):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    (snippet,) = [block.split("```", 1)[0] for block in readme.split("```python\n")[1:]
                  if "batch_start(" in block.split("```", 1)[0]]
    with cxone_compile.Client(stack.gateway.address) as client:
        scope = {"client": client, "flows": ["main-menu", "bad/flow", "billing"]}
        exec(compile(snippet, "README.md", "exec"), scope)
        lines = capsys.readouterr().out.splitlines()
        assert [line.split()[:2] for line in lines] == [
            ["main-menu", client.lookup("release-7/main-menu").name],
            ["bad/flow", "INVALID_ARGUMENT"],
            ["billing", client.lookup("release-7/billing").name],
        ]

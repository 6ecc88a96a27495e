from pathlib import Path

from tools.docs.generate_docs_index import index_problems, main, write_index


def _doc(root: Path, rel: str, title: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {title}\n\nbody\n", encoding="utf-8")


def test_generated_index_lists_every_doc_with_its_title(tmp_path: Path) -> None:
    _doc(tmp_path, "backtest/b.md", "Bee")
    _doc(tmp_path, "a.md", "Ay")
    write_index(tmp_path)
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "- [Ay](a.md)\n- [Bee](backtest/b.md)" in text
    assert index_problems(tmp_path) == []
    assert main(["--check", "--root", str(tmp_path)]) == 0


def test_check_names_unindexed_and_missing_docs(tmp_path: Path) -> None:
    _doc(tmp_path, "a.md", "Ay")
    _doc(tmp_path, "gone.md", "Gone")
    write_index(tmp_path)
    (tmp_path / "gone.md").unlink()
    _doc(tmp_path, "new/n.md", "New")
    assert index_problems(tmp_path) == ["not in the index: new/n.md", "index names a missing doc: gone.md"]
    assert main(["--check", "--root", str(tmp_path)]) == 1


def test_rewrite_keeps_hand_written_text_around_the_list(tmp_path: Path) -> None:
    _doc(tmp_path, "a.md", "Ay")
    write_index(tmp_path)
    index = tmp_path / "README.md"
    index.write_text(index.read_text(encoding="utf-8") + "\nHand-written footer.\n", encoding="utf-8")
    _doc(tmp_path, "b.md", "Bee")
    write_index(tmp_path)
    text = index.read_text(encoding="utf-8")
    assert "- [Bee](b.md)" in text and text.endswith("Hand-written footer.\n")

from __future__ import annotations

from pathlib import Path

import jieba

from nlp.tokenizer import Tokenizer, default_tokenizer, dictionary_files


def test_cut_drops_whitespace_tokens(tokenizer: Tokenizer) -> None:
    assert tokenizer.cut("电梯 坏了") == ["电梯", "坏", "了"]


def test_user_dictionary_keeps_words_whole(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# community words\n幸福里 100 ns\n煤气味\n", encoding="utf-8")
    tk = Tokenizer(cache_dir=tmp_path, user_dicts=[words])
    assert tk.cut("幸福里楼道煤气味") == ["幸福里", "楼道", "煤气味"]


def test_added_words_apply_at_once_and_stay_private(tmp_path: Path) -> None:
    tk = Tokenizer(cache_dir=tmp_path)
    other = Tokenizer(cache_dir=tmp_path)
    assert "趴窝了吧" not in tk.cut("电梯趴窝了吧")
    tk.add_words(["趴窝了吧"])
    assert "趴窝了吧" in tk.cut("电梯趴窝了吧")
    assert "趴窝了吧" not in other.cut("电梯趴窝了吧")
    assert "趴窝了吧" not in jieba.lcut("电梯趴窝了吧")  # jieba's global is untouched


def test_jieba_cache_is_written_to_the_given_dir(tmp_path: Path) -> None:
    Tokenizer(cache_dir=tmp_path / "cache").warm()
    assert list((tmp_path / "cache").glob("jieba*.cache"))


def test_default_tokenizer_loads_repository_dictionary(tmp_path: Path) -> None:
    tk = default_tokenizer(cache_dir=tmp_path)
    for path in dictionary_files():
        first = next(
            (ln.split()[0] for ln in path.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")),
            None,
        )  # fmt: skip
        if first:
            assert first in tk.cut(first)

"""`manage.py import_units`: reading the unit tree from a spreadsheet, all or nothing.

Messages are translated, so the tests look at their structure (line numbers, codes, counts, exit
status) and at the database, never at the wording.
"""

from __future__ import annotations

import re
import unicodedata
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.utils.translation import override, trans_real

import pytest

from portal.units.importing import parse_active, parse_kind, parse_sort_order, read_units_csv
from portal.units.models import Unit, UnitKind

SAMPLE = Path(__file__).resolve().parents[2] / "portal" / "units" / "fixtures" / "units_sample.csv"
HEADER = "code,name,short_name,kind,parent_code,active,sort_order\n"

# Used only when the Vietnamese catalogue has not been compiled (*.mo files are not committed).
FALLBACK_KIND_LABELS = {
    UnitKind.PROVINCIAL: "VKSND tỉnh, thành phố",
    UnitKind.REGIONAL: "VKSND khu vực",
    UnitKind.MILITARY_REGION: "VKS quân sự quân khu và tương đương",
}


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "units.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def to_cp1258(text: str) -> bytes:
    """Encode as Excel does on a Vietnamese Windows: tone marks as separate combining characters."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    encoded = []
    for char in unicodedata.normalize("NFC", text):
        try:
            encoded.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            encoded.append((base + "".join(c for c in parts if c in tones)).encode("cp1258"))
    return b"".join(encoded)


def run_import(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_units", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def failing_import(path: Path | str, *args: str) -> tuple[str, str]:
    """Run an import that must fail; returns what it printed on stderr and the error."""
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_units", str(path), *args, stdout=StringIO(), stderr=err)
    return err.getvalue(), str(raised.value)


def counts(output: str) -> tuple[int, ...]:
    """(created, updated, unchanged), from the summary on the last line."""
    summary = output.strip().splitlines()[-1]
    return tuple(int(number) for number in re.findall(r"\d+", summary))


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Unit.objects.order_by("code").values_list(
            "pk", "code", "name", "short_name", "kind", "parent__code", "active", "sort_order"
        )
    )


@pytest.fixture
def vietnamese_kind_labels(monkeypatch) -> dict[str, str]:
    """The kind labels as the admin shows them in Vietnamese."""
    catalog = trans_real.translation("vi")._catalog
    labels = {}
    for kind in UnitKind:
        with override("en"):
            english = str(kind.label)
        with override("vi"):
            labels[kind.value] = str(kind.label)
        if labels[kind.value] == english and kind in FALLBACK_KIND_LABELS:
            monkeypatch.setitem(catalog._catalogs[0], english, FALLBACK_KIND_LABELS[kind])
            labels[kind.value] = FALLBACK_KIND_LABELS[kind]
    return labels


def test_it_creates_the_tree_with_parents_listed_in_any_order(db, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "HN-KV1,Viện kiểm sát nhân dân khu vực 1 - Hà Nội,VKSND khu vực 1,regional,HN,1,10\n"
        + "HN,Viện kiểm sát nhân dân thành phố Hà Nội,VKSND TP Hà Nội,provincial,VKSNDTC,,20\n"
        + "VKSNDTC,Viện kiểm sát nhân dân tối cao,VKSND tối cao,supreme,,yes,\n",
    )

    output = run_import(path)

    assert counts(output) == (3, 0, 0)
    regional = Unit.objects.get(code="HN-KV1")
    assert regional.kind == UnitKind.REGIONAL
    assert regional.sort_order == 10
    assert [unit.code for unit in regional.ancestors()] == ["VKSNDTC", "HN"]
    supreme = Unit.objects.get(code="VKSNDTC")
    assert supreme.parent is None
    assert supreme.active
    assert supreme.sort_order == 0


def test_running_the_same_file_twice_changes_nothing_the_second_time(db, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "VKSNDTC,Viện kiểm sát nhân dân tối cao,VKSND tối cao,supreme,,1,0\n"
        + "HUE,Viện kiểm sát nhân dân thành phố Huế,VKSND TP Huế,provincial,VKSNDTC,không,5\n",
    )
    run_import(path)
    before = snapshot()

    output = run_import(path)

    assert counts(output) == (0, 0, 2)
    assert snapshot() == before


def test_it_updates_an_existing_unit_and_leaves_units_not_in_the_file_alone(hanoi, hue, tmp_path):
    hue_before = [row for row in snapshot() if row[1] == "HUE"]
    path = write(
        tmp_path,
        HEADER
        + "VKSNDTC,Viện kiểm sát nhân dân tối cao,VKSND tối cao,supreme,,1,0\n"
        + "HN,Viện kiểm sát nhân dân Thủ đô Hà Nội,VKSND Hà Nội,provincial,VKSNDTC,0,3\n",
    )

    output = run_import(path)

    assert counts(output) == (0, 1, 1)
    updated = Unit.objects.get(code="HN")
    assert updated.pk == hanoi.pk
    assert updated.name == "Viện kiểm sát nhân dân Thủ đô Hà Nội"
    assert updated.short_name == "VKSND Hà Nội"
    assert not updated.active
    assert updated.sort_order == 3
    assert [row for row in snapshot() if row[1] == "HUE"] == hue_before


def test_a_column_left_out_of_the_file_leaves_that_field_of_existing_units_alone(hanoi, tmp_path):
    Unit.objects.filter(pk=hanoi.pk).update(active=False, sort_order=7)
    path = write(tmp_path, "code,name\nHN,Viện kiểm sát nhân dân thành phố Hà Nội\nHN-KV2,VKSND khu vực 2\n")

    run_import(path)

    hanoi.refresh_from_db()
    assert (hanoi.active, hanoi.sort_order, hanoi.parent.code) == (False, 7, "VKSNDTC")
    new = Unit.objects.get(code="HN-KV2")
    assert (new.parent, new.kind, new.active) == (None, UnitKind.OTHER, True)


def test_it_reports_every_bad_row_with_its_line_number(supreme, tmp_path):
    before = snapshot()
    path = write(
        tmp_path,
        HEADER
        + "HN,Viện kiểm sát nhân dân thành phố Hà Nội,,provincial,VKSNDTC,1,0\n"  # 2: fine
        + ",Đơn vị không có mã,,other,,1,0\n"  # 3
        + "HCM,Viện kiểm sát nhân dân TP Hồ Chí Minh,,provincial,XYZ,1,0\n"  # 4
        + "HN,Viện kiểm sát nhân dân Hà Nội (lặp),,provincial,VKSNDTC,1,0\n"  # 5
        + "DN,Viện kiểm sát nhân dân thành phố Đà Nẵng,,abc,VKSNDTC,1,0\n"  # 6
        + "AAA,Đơn vị A,,other,BBB,1,0\n"  # 7
        + "BBB,Đơn vị B,,other,AAA,1,0\n"  # 8
        + "HÀ NỘI,Mã có dấu và dấu cách,,other,,1,0\n"  # 9
        + "LONG,"
        + "Tên quá dài " * 30
        + ",,other,,1,0\n"  # 10
        + "HP,Viện kiểm sát nhân dân thành phố Hải Phòng,,provincial,VKSNDTC,có lẽ,một\n"  # 11
        + "VKSNDTC,Tên mới của VKSND tối cao,,supreme,,1,0\n",  # 12: fine, but must not be saved
    )

    printed, error = failing_import(path)

    line_numbers = []
    by_line: dict[int, str] = {}
    for message in printed.strip().splitlines():
        number = int(re.search(r"\d+", message).group())
        line_numbers.append(number)
        by_line[number] = by_line.get(number, "") + message
    assert line_numbers == sorted(line_numbers)
    assert set(line_numbers) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "XYZ" in by_line[4]
    assert "HN" in by_line[5] and re.search(r"\b2\b", by_line[5])  # the line it repeats
    assert "abc" in by_line[6]
    assert "AAA" in by_line[7] and "BBB" in by_line[7]
    assert "AAA" in by_line[8] and "BBB" in by_line[8]
    assert "HÀ NỘI" in by_line[9]
    assert "có lẽ" in by_line[11] and "một" in by_line[11]
    assert "9" in error  # how many rows are bad
    assert snapshot() == before


def test_a_cycle_through_a_unit_already_in_the_system_is_refused(hanoi, tmp_path):
    before = snapshot()
    path = write(tmp_path, HEADER + "VKSNDTC,Viện kiểm sát nhân dân tối cao,,supreme,HN,1,0\n")

    printed, _ = failing_import(path)

    assert re.match(r"\D*2\b", printed)
    assert "VKSNDTC" in printed and "HN" in printed
    assert snapshot() == before


def test_a_unit_cannot_be_its_own_parent(db, tmp_path):
    path = write(tmp_path, HEADER + "ABC,Đơn vị tự trỏ,,other,ABC,1,0\n")

    printed, _ = failing_import(path)

    assert re.match(r"\D*2\b", printed) and "ABC" in printed
    assert not Unit.objects.exists()


def test_it_reads_a_semicolon_delimited_file_saved_by_excel(supreme, tmp_path):
    path = write(
        tmp_path,
        "code;name;short_name;kind;parent_code;active;sort_order\r\n"
        "NA;Viện kiểm sát nhân dân tỉnh Nghệ An, Việt Nam;VKSND Nghệ An;provincial;VKSNDTC;Có;12"
        "\r\n"
        "NA-KV1;Viện kiểm sát nhân dân khu vực 1 - Nghệ An;;regional;NA;KHÔNG;\r\n"
        ";;;;;;\r\n",
    )

    output = run_import(path)

    assert counts(output) == (2, 0, 0)
    province = Unit.objects.get(code="NA")
    assert province.name == "Viện kiểm sát nhân dân tỉnh Nghệ An, Việt Nam"
    assert (province.parent, province.active, province.sort_order) == (supreme, True, 12)
    assert not Unit.objects.get(code="NA-KV1").active


def test_it_reads_a_windows_1258_file_with_vietnamese_names(db, tmp_path):
    names = {
        "DN": "Viện kiểm sát nhân dân thành phố Đà Nẵng",
        "QN": "Viện kiểm sát nhân dân tỉnh Quảng Ninh",
        "HUE-KV1": "Viện kiểm sát nhân dân khu vực 1 - Huế",
    }
    text = HEADER + "".join(f"{code},{name},,,,có,\n" for code, name in names.items())
    path = tmp_path / "excel.csv"
    path.write_bytes(to_cp1258(text))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")

    run_import(path)

    for code, name in names.items():
        saved = Unit.objects.get(code=code).name
        assert saved == name
        assert unicodedata.is_normalized("NFC", saved)


def test_it_reads_utf8_with_a_byte_order_mark_and_normalises_to_nfc(db, tmp_path):
    decomposed = unicodedata.normalize("NFD", "Viện kiểm sát nhân dân thành phố Cần Thơ")
    path = write(tmp_path, HEADER + f"CT,{decomposed},,provincial,,1,0\n", encoding="utf-8-sig")

    run_import(path)

    assert Unit.objects.get(code="CT").name == "Viện kiểm sát nhân dân thành phố Cần Thơ"


def test_it_accepts_kind_labels_as_shown_in_vietnamese_in_any_case(db, tmp_path, vietnamese_kind_labels):
    provincial = vietnamese_kind_labels[UnitKind.PROVINCIAL].upper()
    regional = unicodedata.normalize("NFD", vietnamese_kind_labels[UnitKind.REGIONAL])
    military = vietnamese_kind_labels[UnitKind.MILITARY_REGION].lower()
    assert not any(label.isascii() for label in (provincial, regional, military))
    path = write(
        tmp_path,
        HEADER
        + f'HP,Viện kiểm sát nhân dân thành phố Hải Phòng,,"{provincial}",,1,0\n'
        + f'HP-KV1,Viện kiểm sát nhân dân khu vực 1 - Hải Phòng,,"{regional}",HP,1,0\n'
        + f'VKSQS-QK1,Viện kiểm sát quân sự Quân khu 1,,"{military}",,1,0\n'
        + "VKSNDTC-V14,Vụ Tổ chức cán bộ,Vụ 14,Department,,1,0\n",
    )

    run_import(path)

    assert dict(Unit.objects.values_list("code", "kind")) == {
        "HP": UnitKind.PROVINCIAL,
        "HP-KV1": UnitKind.REGIONAL,
        "VKSQS-QK1": UnitKind.MILITARY_REGION,
        "VKSNDTC-V14": UnitKind.DEPARTMENT,
    }


def test_a_dry_run_reports_what_would_change_and_changes_nothing(hanoi, tmp_path):
    before = snapshot()
    path = write(
        tmp_path,
        HEADER
        + "VKSNDTC,Viện kiểm sát nhân dân tối cao,VKSND tối cao,supreme,,1,0\n"
        + "HN,Viện kiểm sát nhân dân Thủ đô Hà Nội,VKSND TP Hà Nội,provincial,VKSNDTC,1,0\n"
        + "HN-KV1,Viện kiểm sát nhân dân khu vực 1 - Hà Nội,,regional,HN,1,0\n",
    )

    output = run_import(path, "--dry-run")

    assert counts(output) == (1, 1, 1)
    assert "HN-KV1" in output
    assert re.search(r"^[^:\n]+: HN\b", output, re.MULTILINE)
    assert snapshot() == before


def test_a_dry_run_still_refuses_a_bad_file(db, tmp_path):
    path = write(tmp_path, HEADER + "HN-KV1,VKSND khu vực 1 - Hà Nội,,regional,HN,1,0\n")

    printed, _ = failing_import(path, "--dry-run")

    assert "HN" in printed and re.match(r"\D*2\b", printed)


def test_a_missing_required_column_gives_one_message(db, tmp_path):
    path = write(tmp_path, "code;short_name;kind\nHN;VKSND TP Hà Nội;provincial\n")

    printed, error = failing_import(path)

    assert printed == ""
    assert "name" in error
    assert not Unit.objects.exists()


def test_a_file_that_cannot_be_read_gives_a_clear_message(db, tmp_path):
    missing = tmp_path / "khong-co.csv"

    _, error = failing_import(missing)

    assert str(missing) in error


def test_the_sample_file_imports_cleanly_and_only_once(db):
    rows = SAMPLE.read_text(encoding="utf-8").strip().splitlines()[1:]

    assert counts(run_import(SAMPLE)) == (len(rows), 0, 0)
    assert counts(run_import(SAMPLE)) == (0, 0, len(rows))

    assert Unit.objects.get(parent=None).code == "VKSNDTC"
    assert [unit.code for unit in Unit.objects.get(code="HN-KV1").ancestors()] == ["VKSNDTC", "HN"]
    area = Unit.objects.get(code="VKSQS-QK7-KV1")
    assert area.kind == UnitKind.MILITARY_AREA
    assert [unit.code for unit in area.ancestors()] == ["VKSNDTC", "VKSQSTW", "VKSQS-QK7"]
    # The codes the demo seeding looks up.
    demo_codes = {
        "VKSNDTC-C2",
        "VKSNDTC-V1",
        "VKSNDTC-V7",
        "VKSNDTC-V11",
        "VKSNDTC-V14",
        "HN",
        "HN-KV1",
        "HUE",
        "DN",
    }
    assert demo_codes <= set(Unit.objects.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("written", "active"),
    [
        ("1", True),
        ("", True),
        ("x", True),
        ("Có", True),
        ("TRUE", True),
        ("yes", True),
        ("0", False),
        ("Không", False),
        ("false", False),
        ("No", False),
        ("có lẽ", None),
        ("2", None),
    ],
)
def test_active_accepts_the_words_people_write(written, active):
    assert parse_active(written) is active


@pytest.mark.parametrize(("written", "order"), [("", 0), (" 12 ", 12), ("-1", None), ("1.5", None), ("²", None)])
def test_the_order_must_be_a_whole_number(written, order):
    assert parse_sort_order(written) == order


def test_an_empty_kind_means_other_and_an_unknown_one_is_refused():
    assert parse_kind("") == UnitKind.OTHER
    assert parse_kind(" Provincial ") == UnitKind.PROVINCIAL
    assert parse_kind("tỉnh") is None


def test_line_numbers_are_lines_of_the_file_even_when_a_cell_spans_two():
    table = read_units_csv(
        HEADER + '"HN","Viện kiểm sát nhân dân\nthành phố Hà Nội",,provincial,,1,0\n' + "\n" + "DN,,,,,,\n"
    )

    assert [error.line for error in table.errors] == [5]
    assert [row.line for row in table.rows] == [2, 5]

"""Demo content for `manage.py seed_demo`: a sample of the unit tree, one user per role, and a few
trainings and good practices in Vietnamese written for this project. Every step is idempotent:
running it again adds what is missing and leaves what exists as it is (a changed password or a
renamed unit stays changed)."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

from wagtail.models import Page

from portal.home.demo_media import seed_recordings
from portal.practices.models import GoodPracticeIndexPage, GoodPracticePage
from portal.trainings.models import TrainingIndexPage, TrainingPage
from portal.units import roles
from portal.units.models import Unit, User

DEMO_PASSWORD = "demo12345"  # noqa: S105 - documented in README, demo machines only
UNITS_CSV = Path(__file__).resolve().parent.parent / "units" / "fixtures" / "units_sample.csv"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    unit_code: str
    role: str
    position: str
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "Quản trị", "Hệ thống", "VKSNDTC-C2", roles.ADMINISTRATOR, "Quản trị hệ thống", superuser=True),
    DemoUser("editor", "Hương", "Nguyễn Thu", "VKSNDTC-V14", roles.TRAINING_EDITOR, "Chuyên viên"),
    DemoUser("reviewer", "Bình", "Trần Quốc", "VKSNDTC-V14", roles.REVIEWER, "Phó Vụ trưởng"),
    DemoUser("submitter", "Mai", "Lê Thị", "HN", roles.SUBMITTER, "Kiểm sát viên"),
    DemoUser("viewer", "Nam", "Phạm Văn", "HN-KV1", roles.VIEWER, "Kiểm sát viên"),
]


@dataclass
class DemoPage:
    title: str
    slug: str
    date: datetime.date
    unit_code: str
    summary: str
    body: str
    topics: list[str] = field(default_factory=list)


TRAININGS = [
    DemoPage(
        "Tập huấn kỹ năng kiểm sát viên tại phiên tòa hình sự",
        "tap-huan-ky-nang-kiem-sat-vien-tai-phien-toa-hinh-su",
        datetime.date(2026, 3, 12),
        "VKSNDTC-V7",
        "Kỹ năng xét hỏi, tranh luận và xử lý tình huống phát sinh tại phiên tòa sơ thẩm hình sự.",
        "<p>Buổi tập huấn trình bày các bước chuẩn bị đề cương xét hỏi, cách đối đáp với luật sư và "
        "những lưu ý khi bị cáo phản cung tại phiên tòa.</p><ul><li>Chuẩn bị hồ sơ và đề cương</li>"
        "<li>Xét hỏi có trọng tâm</li><li>Tranh luận và đối đáp</li></ul>",
        ["Kỹ năng tranh tụng", "Kiểm sát xét xử hình sự"],
    ),
    DemoPage(
        "Hướng dẫn áp dụng Bộ luật Tố tụng hình sự về thu thập chứng cứ điện tử",
        "huong-dan-ap-dung-bltths-ve-chung-cu-dien-tu",
        datetime.date(2026, 5, 20),
        "VKSNDTC-V1",
        "Nhận diện, thu giữ, bảo quản và đánh giá dữ liệu điện tử là chứng cứ trong vụ án hình sự.",
        "<p>Chuyên đề giới thiệu quy định của BLTTHS về dữ liệu điện tử, quy trình phối hợp với "
        "cơ quan điều tra khi thu giữ thiết bị và những sai sót thường gặp khi đánh giá chứng cứ.</p>",
        ["Chứng cứ điện tử", "Tố tụng hình sự"],
    ),
    DemoPage(
        "Bồi dưỡng nghiệp vụ kiểm sát thi hành án dân sự năm 2026",
        "boi-duong-nghiep-vu-kiem-sat-thi-hanh-an-dan-su-2026",
        datetime.date(2026, 8, 5),
        "VKSNDTC-V11",
        "Những vi phạm phổ biến trong thi hành án dân sự và cách ban hành kiến nghị, kháng nghị.",
        "<p>Buổi bồi dưỡng tổng hợp các dạng vi phạm thường gặp trong kê biên, bán đấu giá tài sản và "
        "hướng dẫn xây dựng kiến nghị có căn cứ, đúng thời hạn.</p>",
        ["Thi hành án dân sự"],
    ),
    DemoPage(
        "Ứng dụng công nghệ thông tin trong quản lý hồ sơ vụ án",
        "ung-dung-cong-nghe-thong-tin-trong-quan-ly-ho-so-vu-an",
        datetime.date(2026, 10, 14),
        "VKSNDTC-C2",
        "Số hóa hồ sơ, tra cứu và thống kê án trên phần mềm quản lý án của ngành.",
        "<p>Hướng dẫn quét và đặt tên tài liệu, nhập thông tin vụ án, tra cứu tiến độ giải quyết và lập "
        "báo cáo thống kê định kỳ.</p>",
        ["Công nghệ thông tin", "Chuyển đổi số"],
    ),
]

PRACTICES = [
    DemoPage(
        "Số hóa hồ sơ kiểm sát để tra cứu nhanh khi tham gia phiên tòa",
        "so-hoa-ho-so-kiem-sat-de-tra-cuu-nhanh",
        datetime.date(2026, 4, 2),
        "HN-KV1",
        "Quét toàn bộ hồ sơ kiểm sát, đánh chỉ mục theo bút lục để kiểm sát viên tra cứu trên máy tính "
        "bảng ngay tại phiên tòa.",
        "<h2>Vấn đề</h2><p>Hồ sơ dày hàng nghìn trang, việc tìm bút lục khi bị cáo thay đổi lời khai mất "
        "nhiều thời gian.</p><h2>Cách làm</h2><p>Đơn vị quét hồ sơ, đặt tên tệp theo số bút lục và lập "
        "bảng chỉ mục.</p><h2>Kết quả</h2><p>Thời gian tra cứu giảm từ vài phút xuống dưới 30 giây; 42 "
        "phiên tòa áp dụng trong năm.</p>",
        ["Chuyển đổi số", "Kiểm sát xét xử hình sự"],
    ),
    DemoPage(
        "Phối hợp với cơ quan điều tra rà soát án tạm đình chỉ hằng quý",
        "phoi-hop-ra-soat-an-tam-dinh-chi-hang-quy",
        datetime.date(2026, 6, 18),
        "HUE",
        "Lập danh sách chung và họp rà soát định kỳ giúp giải quyết dứt điểm nhiều vụ án tạm đình chỉ kéo dài.",
        "<h2>Cách làm</h2><p>Mỗi quý hai cơ quan đối chiếu danh sách vụ án tạm đình chỉ, phân công người "
        "theo dõi từng vụ và ghi nhận kết quả xác minh.</p><h2>Kết quả</h2><p>Phục hồi điều tra 15 vụ, "
        "đình chỉ đúng quy định 23 vụ trong năm 2025.</p>",
        ["Kiểm sát điều tra", "Phối hợp liên ngành"],
    ),
    DemoPage(
        "Sổ tay điện tử hướng dẫn kiểm sát viên mới vào nghề",
        "so-tay-dien-tu-huong-dan-kiem-sat-vien-moi",
        datetime.date(2026, 9, 9),
        "DN",
        "Tập hợp mẫu văn bản, quy trình và kinh nghiệm thực tế thành một sổ tay tra cứu trên mạng nội bộ.",
        "<h2>Cách làm</h2><p>Các kiểm sát viên có kinh nghiệm viết hướng dẫn theo từng khâu công tác, lãnh "
        "đạo đơn vị duyệt và cập nhật mỗi sáu tháng.</p><h2>Cách áp dụng</h2><p>Đơn vị khác có thể dùng "
        "lại cấu trúc sổ tay và bổ sung quy định đặc thù của địa phương.</p>",
        ["Đào tạo, bồi dưỡng cán bộ"],
    ),
]


def seed_units() -> None:
    wanted = _codes_in(UNITS_CSV)
    if set(Unit.objects.filter(code__in=wanted).values_list("code", flat=True)) != wanted:
        call_command("import_units", str(UNITS_CSV), stdout=StringIO())


def _codes_in(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["code"].strip() for row in csv.DictReader(handle) if row.get("code", "").strip()}


def seed_users() -> list[User]:
    users = []
    viewer_group = Group.objects.get(name=roles.VIEWER)
    for spec in DEMO_USERS:
        unit = Unit.objects.get(code=spec.unit_code)
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@vks.local",
                "unit": unit,
                "position": spec.position,
                "is_superuser": spec.superuser,
                "is_staff": spec.superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=spec.role), viewer_group)
        users.append(user)
    return users


def _ensure_child(parent: Page, model: type[Page], spec: DemoPage, body_field: str) -> Page:
    existing = model.objects.child_of(parent).filter(slug=spec.slug).first()
    if existing is not None:
        return existing
    page = model(
        title=spec.title,
        slug=spec.slug,
        date=spec.date,
        unit=Unit.objects.filter(code=spec.unit_code).first(),
        summary=spec.summary,
        **{body_field: spec.body},
    )
    parent.add_child(instance=page)
    page.topics.add(*spec.topics)
    page.save_revision().publish()
    return page


def seed_pages() -> None:
    training_index = TrainingIndexPage.objects.first()
    practice_index = GoodPracticeIndexPage.objects.first()
    if training_index is None or practice_index is None:
        raise RuntimeError("The site structure is missing: run `manage.py migrate` first.")
    for spec in TRAININGS:
        _ensure_child(training_index, TrainingPage, spec, "description")
    for spec in PRACTICES:
        _ensure_child(practice_index, GoodPracticePage, spec, "body")


def seed_demo(*, recordings: bool = True) -> None:
    with transaction.atomic():
        seed_units()
        seed_users()
        seed_pages()
    if recordings:  # outside the transaction: making and converting them takes a while
        seed_recordings()

"""A seeded corpus of generated Vietnamese content for the search benchmark (bench/search.py).

Trainings with transcript windows, good practices and their documents, as `SearchDoc`s ready for
`Engine.upsert`: no Wagtail pages are made, only the rows the facets name (units, topics; the fields of work
are the ones the migrations seed). The text is composed from a vocabulary of the sector's words and phrases
(several hundred, see `VOCABULARY`) by sentence templates, with common words common and rare ones rare (Zipf
weights), acronyms written both short and in full, the odd speech filler in transcripts, and "hoà"-style
tone placement in the raw phrases (normalised like every stored text). Each topic has a theme (`Words.themed`)
and most of a document's sentences are on its topics, so that queries are as selective as on real content:
the sector's words match nearly everything, a subject's words a part, rare phrases a handful. The same seed
and sizes always give the same corpus, so figures from two runs compare.

Speed matters as much as variety here (200,000 windows are over fifteen million words): sentences are
drawn from pools made once per corpus (the sector's, and one per topic), and every phrase is normalised
once, so the composed text is already in the stored form without running `search.text.normalize` over
millions of words.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from search.engines.base import DOCUMENT, NOBODY, PRACTICE, TRAINING, Moment, SearchDoc
from search.text import normalize, words

SEED = 20260
FIRST_DAY = datetime.date(2015, 1, 1)
LAST_DAY = datetime.date(2026, 11, 30)
WINDOW_SECONDS = (20, 40)  # a transcript window lasts this long (search.documents cuts them the same way)
MOMENTS = (40, 80)  # windows per training, before fitting the total
DOCUMENT_SHARE = 0.08  # of all docs: attached documents (their own `document` type)
SENTENCE_POOL = 12_000  # sentences of the whole sector, then per topic:
THEME_POOL = 1_500
THEME_SHARE = 0.85  # of a document's sentences come from its topics' themes, the rest from the whole sector
THEME_SIZE = 12  # objects, verbs and qualifiers in a theme
THEME_STOP_WORDS = frozenset(
    ["tội", "phạm", "kiểm", "sát", "và", "công", "tác", "kỹ", "năng", "án", "người", "tại", "của", "giải", "quyết"]
)

# --- the vocabulary ----------------------------------------------------------------------------------------

PROVINCES = (
    "Hà Nội",
    "Hồ Chí Minh",
    "Hải Phòng",
    "Đà Nẵng",
    "Cần Thơ",
    "Huế",
    "Quảng Ninh",
    "Lạng Sơn",
    "Cao Bằng",
    "Lào Cai",
    "Điện Biên",
    "Lai Châu",
    "Sơn La",
    "Thái Nguyên",
    "Tuyên Quang",
    "Phú Thọ",
    "Bắc Ninh",
    "Hưng Yên",
    "Ninh Bình",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Quảng Trị",
    "Quảng Ngãi",
    "Gia Lai",
    "Khánh Hòa",
    "Lâm Đồng",
    "Đắk Lắk",
    "Đồng Nai",
    "Tây Ninh",
    "Vĩnh Long",
    "Đồng Tháp",
    "Cà Mau",
    "An Giang",
)

TOPICS = (
    "Chuyển đổi số",
    "Kỹ năng xét hỏi",
    "Chứng cứ điện tử",
    "Tội phạm ma túy",
    "Tội phạm tham nhũng",
    "Tội phạm công nghệ cao",
    "Kiểm sát điều tra",
    "Kiểm sát xét xử hình sự",
    "Kiểm sát xét xử dân sự",
    "Kiểm sát thi hành án dân sự",
    "Kiểm sát tạm giữ, tạm giam",
    "Giải quyết khiếu nại, tố cáo",
    "Người chưa thành niên",
    "Bạo lực gia đình",
    "Hòa giải, đối thoại",
    "Tương trợ tư pháp",
    "Thống kê tội phạm",
    "Kỹ năng viết cáo trạng",
    "Tranh tụng tại phiên tòa",
    "Án hành chính",
    "Kinh doanh, thương mại",
    "Lao động",
    "Hôn nhân và gia đình",
    "Quyền con người",
    "Phòng, chống oan sai",
    "Nghiệp vụ thống kê",
    "Công tác cán bộ",
    "Đào tạo, bồi dưỡng",
    "Ứng dụng công nghệ thông tin",
    "Kiểm sát viên trẻ",
    "Tội phạm môi trường",
    "Buôn lậu, gian lận thương mại",
    "Mua bán người",
    "Rửa tiền",
    "Tội phạm kinh tế",
    "Quản lý, chỉ đạo, điều hành",
    "Thi đua, khen thưởng",
    "Văn bản quy phạm pháp luật",
    "Phiên tòa rút kinh nghiệm",
    "An toàn thông tin",
)

DEPARTMENTS = (
    "Vụ Thực hành quyền công tố và kiểm sát điều tra án trật tự xã hội",
    "Vụ Thực hành quyền công tố và kiểm sát điều tra án kinh tế",
    "Vụ Kiểm sát giải quyết các vụ án dân sự",
    "Vụ Kiểm sát thi hành án dân sự",
    "Cục Thống kê tội phạm và công nghệ thông tin",
    "Vụ Tổ chức cán bộ",
    "Vụ Hợp tác quốc tế và tương trợ tư pháp",
    "Văn phòng VKSND tối cao",
)
SCHOOLS = ("Trường Đại học Kiểm sát Hà Nội", "Trường Đào tạo, bồi dưỡng nghiệp vụ kiểm sát tại TP. Hồ Chí Minh")

# Who does something, what they do, to what, and how/when/where: the slots of the sentence templates. In each
# list the first items are the most common (Zipf weights).
SUBJECTS = (
    "kiểm sát viên",
    "đồng chí kiểm sát viên",
    "điều tra viên",
    "cán bộ",
    "lãnh đạo đơn vị",
    "Viện kiểm sát",
    "Viện kiểm sát nhân dân",
    "VKSND",
    "KSV",
    "Cơ quan điều tra",
    "CQĐT",
    "Tòa án",
    "thẩm phán",
    "Hội đồng xét xử",
    "HĐXX",
    "học viên",
    "giảng viên",
    "báo cáo viên",
    "kiểm tra viên",
    "thư ký",
    "đơn vị",
    "các đồng chí",
    "chúng ta",
    "Viện kiểm sát cấp trên",
    "Viện kiểm sát cấp dưới",
    "Viện trưởng",
    "Phó Viện trưởng",
    "trưởng phòng",
    "luật sư",
    "người bào chữa",
    "người tiến hành tố tụng",
    "chấp hành viên",
    "cơ quan thi hành án",
    "cơ quan công an",
    "Công an nhân dân",
    "Ủy ban nhân dân",
    "UBND",
    "Hội đồng nhân dân",
    "Viện kiểm sát quân sự",
    "VKSQS",
    "cán bộ trẻ",
    "đoàn kiểm tra",
)
VERBS = (
    "kiểm sát",
    "kiểm tra",
    "xem xét",
    "nghiên cứu",
    "đánh giá",
    "thu thập",
    "đối chiếu",
    "làm rõ",
    "hướng dẫn",
    "trao đổi về",
    "phối hợp giải quyết",
    "báo cáo",
    "tổng hợp",
    "thụ lý",
    "giải quyết",
    "phê chuẩn",
    "hủy bỏ",
    "yêu cầu bổ sung",
    "trả hồ sơ",
    "rút kinh nghiệm về",
    "tập huấn về",
    "bồi dưỡng về",
    "hoàn thiện",
    "số hóa",
    "cập nhật",
    "lưu trữ",
    "thống kê",
    "phân tích",
    "chỉ đạo",
    "theo dõi",
    "kháng nghị",
    "kiến nghị",
    "truy tố",
    "khởi tố",
    "điều tra",
    "xét xử",
    "tạm đình chỉ",
    "đình chỉ",
    "phục hồi",
    "xác minh",
    "ghi âm, ghi hình",
    "lấy lời khai",
    "hỏi cung",
    "đối chất",
    "nhận dạng",
    "thực nghiệm điều tra",
    "giám định",
    "trưng cầu giám định",
    "định giá tài sản",
    "tiếp nhận",
    "phân loại",
    "chuyển",
    "ban hành",
    "áp dụng",
    "thay đổi",
    "hủy",
    "hoà giải",
    "công bố",
    "tranh luận về",
    "đề xuất",
)
OBJECTS = (
    "hồ sơ vụ án",
    "vụ án hình sự",
    "vụ án dân sự",
    "chứng cứ",
    "tài liệu",
    "biên bản",
    "lời khai",
    "bị can",
    "bị cáo",
    "người bị tạm giữ",
    "người bị tạm giam",
    "quyết định khởi tố",
    "quyết định tạm giam",
    "lệnh bắt",
    "cáo trạng",
    "bản án sơ thẩm",
    "bản án phúc thẩm",
    "tin báo về tội phạm",
    "tố giác tội phạm",
    "kiến nghị khởi tố",
    "nguồn tin về tội phạm",
    "yêu cầu điều tra",
    "vật chứng",
    "dữ liệu điện tử",
    "chứng cứ điện tử",
    "kết luận điều tra",
    "kết luận giám định",
    "biện pháp ngăn chặn",
    "biện pháp cưỡng chế",
    "quyết định thi hành án",
    "bản án hành chính",
    "vụ án hành chính",
    "vụ việc hôn nhân và gia đình",
    "tranh chấp đất đai",
    "tranh chấp hợp đồng",
    "khiếu nại",
    "tố cáo",
    "đơn thư",
    "án tồn đọng",
    "án quá hạn",
    "án bị hủy",
    "án bị sửa",
    "án trả hồ sơ",
    "trách nhiệm hình sự",
    "TNHS",
    "hành vi phạm tội",
    "tội phạm",
    "tội phạm ma túy",
    "tội phạm tham nhũng",
    "tội phạm công nghệ cao",
    "tội phạm kinh tế",
    "tội phạm môi trường",
    "tội phạm mua bán người",
    "tội phạm rửa tiền",
    "tội trộm cắp tài sản",
    "tội lừa đảo chiếm đoạt tài sản",
    "tội cố ý gây thương tích",
    "tội giết người",
    "tội cướp tài sản",
    "tội tham ô tài sản",
    "tội nhận hối lộ",
    "tội buôn lậu",
    "tội đánh bạc",
    "tội vi phạm quy định về tham gia giao thông",
    "người chưa thành niên",
    "bị hại",
    "người làm chứng",
    "đương sự",
    "nguyên đơn",
    "bị đơn",
    "người có quyền lợi liên quan",
    "hệ thống phần mềm",
    "cơ sở dữ liệu",
    "phần mềm quản lý án",
    "hồ sơ điện tử",
    "chữ ký số",
    "văn bản điện tử",
    "chỉ tiêu nghiệp vụ",
    "số liệu thống kê",
    "báo cáo tổng kết",
    "kế hoạch công tác",
    "quy chế",
    "quy trình",
    "sổ tay nghiệp vụ",
    "mẫu văn bản tố tụng",
    "tài liệu tập huấn",
    "chuyên đề",
    "thông tư liên tịch",
    "TTLT",
    "nghị quyết của Hội đồng Thẩm phán",
    "án lệ",
    "giải đáp nghiệp vụ",
    "thông báo rút kinh nghiệm",
    "vi phạm tố tụng",
    "oan sai",
    "bỏ lọt tội phạm",
    "tiền ảo",
    "tài sản mã hóa",
    "camera giám sát",
    "thiết bị di động",
    "mạng xã hội",
    "tài khoản ngân hàng",
    "giao dịch điện tử",
    "ma túy tổng hợp",
    "vũ khí quân dụng",
    "động vật hoang dã",
    "gỗ rừng tự nhiên",
    "hàng giả",
    "thuốc chữa bệnh giả",
)
QUALIFIERS = (
    "theo quy định của Bộ luật Tố tụng hình sự",
    "theo quy định của BLTTHS",
    "theo Bộ luật Hình sự",
    "theo BLHS",
    "theo Bộ luật Tố tụng dân sự",
    "theo BLTTDS",
    "trong giai đoạn điều tra",
    "trong giai đoạn truy tố",
    "trong giai đoạn xét xử",
    "tại phiên tòa sơ thẩm",
    "tại phiên tòa phúc thẩm",
    "tại phiên tòa trực tuyến",
    "ngay từ đầu",
    "một cách kịp thời",
    "một cách khách quan, toàn diện",
    "đúng thời hạn",
    "đúng pháp luật",
    "chặt chẽ",
    "đầy đủ, chính xác",
    "có căn cứ",
    "không có căn cứ",
    "theo hướng dẫn của VKSND tối cao",
    "theo chỉ đạo của ngành",
    "trong thực hành quyền công tố",
    "khi thực hành quyền công tố",
    "khi THQCT",
    "trong kiểm sát điều tra",
    "trong KSĐT",
    "trong kiểm sát xét xử",
    "trong KSXX",
    "trong tố tụng hình sự",
    "trong TTHS",
    "trong tố tụng dân sự",
    "trong tố tụng hành chính",
    "trong thi hành án dân sự",
    "trong THADS",
    "trong thi hành án hình sự",
    "trong THAHS",
    "tại nhà tạm giữ",
    "tại trại tạm giam",
    "tại trại giam",
    "ở cấp huyện",
    "ở cấp tỉnh",
    "ở cấp khu vực",
    "trên phạm vi toàn quốc",
    "trong năm công tác",
    "trong sáu tháng đầu năm",
    "trong quý này",
    "so với cùng kỳ năm trước",
    "trên hệ thống phần mềm",
    "bằng chữ ký số",
    "trên môi trường mạng",
    "qua ứng dụng công nghệ thông tin",
    "qua ứng dụng CNTT",
    "phục vụ chuyển đổi số",
    "theo tinh thần cải cách tư pháp",
    "để bảo đảm quyền con người",
    "để tránh oan sai",
    "để không bỏ lọt tội phạm",
    "với sự phối hợp của Cơ quan điều tra",
    "với sự tham gia của luật sư",
    "có sự tham gia của người giám hộ",
    "theo thông tư liên tịch số 01",
    "theo nghị quyết của Hội đồng Thẩm phán Tòa án nhân dân tối cao",
    "thuộc thẩm quyền của Tòa án nhân dân",
    "thuộc thẩm quyền của TAND",
    "liên quan đến Ủy ban nhân dân cấp xã",
    "tại khu vực biên giới",
    "ở vùng sâu, vùng xa",
    "tại địa bàn thành phố",
    "ở địa phương",
)
OPENERS = (
    "thưa các đồng chí",
    "như vậy",
    "trước hết",
    "tiếp theo",
    "có thể nói",
    "chúng ta thấy rằng",
    "ở đây",
    "một là",
    "hai là",
    "ba là",
    "về vấn đề này",
    "thực tiễn cho thấy",
    "qua công tác kiểm sát",
    "theo số liệu thống kê",
    "cần lưu ý rằng",
    "đề nghị các đồng chí",
    "kinh nghiệm cho thấy",
    "trong thời gian tới",
    "để nâng cao chất lượng",
    "vừa qua",
    "các đồng chí chú ý",
    "xin trao đổi thêm",
    "một vấn đề nữa",
    "cuối cùng",
    "tóm lại",
)
OUTCOMES = (
    "nâng cao chất lượng công tác kiểm sát",
    "bảo đảm đúng người, đúng tội, đúng pháp luật",
    "hạn chế án trả hồ sơ",
    "giảm án tồn đọng",
    "rút ngắn thời gian giải quyết",
    "nâng cao kỹ năng tranh tụng",
    "bảo đảm quyền bào chữa",
    "phát hiện vi phạm kịp thời",
    "tiết kiệm thời gian và chi phí",
    "nâng cao hiệu quả phối hợp",
    "thực hiện tốt chỉ tiêu nghiệp vụ",
    "được Viện kiểm sát cấp trên đánh giá cao",
    "được nhân rộng trong toàn ngành",
    "góp phần cải cách tư pháp",
    "đáp ứng yêu cầu chuyển đổi số",
    "không để xảy ra oan sai",
    "bảo vệ quyền và lợi ích hợp pháp của đương sự",
    "củng cố niềm tin của nhân dân",
)
# Training titles and the kinds of write-up sections.
TRAINING_KINDS = (
    "Tập huấn",
    "Hội nghị tập huấn",
    "Lớp bồi dưỡng",
    "Tọa đàm",
    "Hội thảo",
    "Chuyên đề",
    "Lớp tập huấn chuyên sâu",
    "Phiên tòa rút kinh nghiệm",
    "Hội nghị trực tuyến",
    "Bồi dưỡng nghiệp vụ",
)
TRAINING_SUBJECTS = (
    "kỹ năng kiểm sát điều tra",
    "kỹ năng xét hỏi tại phiên tòa",
    "kỹ năng viết cáo trạng",
    "kỹ năng tranh tụng",
    "thu thập và đánh giá chứng cứ điện tử",
    "Bộ luật Tố tụng hình sự",
    "BLTTHS",
    "Bộ luật Hình sự",
    "kiểm sát thi hành án dân sự",
    "kiểm sát tạm giữ, tạm giam",
    "kiểm sát giải quyết án hành chính",
    "kiểm sát án kinh doanh, thương mại",
    "giải quyết tin báo, tố giác tội phạm",
    "chuyển đổi số trong ngành Kiểm sát",
    "ứng dụng công nghệ thông tin",
    "thống kê tội phạm",
    "kiểm sát án dân sự",
    "án hôn nhân và gia đình",
    "điều tra tội phạm tham nhũng",
    "điều tra tội phạm ma túy",
    "tội phạm công nghệ cao",
    "tội phạm mua bán người",
    "phòng, chống rửa tiền",
    "người chưa thành niên phạm tội",
    "hòa giải, đối thoại tại Tòa án",
    "tương trợ tư pháp hình sự",
    "kiểm sát viên trẻ",
    "nghiệp vụ kiểm sát cho cán bộ mới",
    "quản lý, chỉ đạo, điều hành",
    "an toàn thông tin",
)
PRACTICE_OPENINGS = (
    "Cách làm hay trong",
    "Kinh nghiệm",
    "Mô hình",
    "Sáng kiến",
    "Giải pháp",
    "Kinh nghiệm nâng cao chất lượng",
    "Một số kinh nghiệm trong",
    "Cách làm hiệu quả trong",
)
DOCUMENT_KINDS = (
    "Bài giảng",
    "Tài liệu tập huấn",
    "Đề cương",
    "Báo cáo chuyên đề",
    "Hướng dẫn nghiệp vụ",
    "Sổ tay",
    "Phụ lục",
    "Slide bài giảng",
    "Mẫu văn bản",
    "Thông báo rút kinh nghiệm",
)
FAMILY_NAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
)
GIVEN_NAMES = (
    "Văn An",
    "Thị Bình",
    "Văn Cường",
    "Thị Dung",
    "Minh Đức",
    "Thu Hà",
    "Quốc Hùng",
    "Thị Lan",
    "Thanh Tùng",
    "Ngọc Thủy",
    "Hoàng Long",
)

VOCABULARY: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *SUBJECTS,
            *VERBS,
            *OBJECTS,
            *QUALIFIERS,
            *OPENERS,
            *OUTCOMES,
            *TOPICS,
            *TRAINING_SUBJECTS,
            *PROVINCES,
        ]
    )
)


def _weights(count: int, exponent: float = 0.9) -> list[float]:
    """Cumulative Zipf weights: the first item is the most common."""
    return list(itertools.accumulate(1 / (rank**exponent) for rank in range(1, count + 1)))


class Words:
    """The normalised phrase lists and their cumulative weights, to draw from quickly."""

    def __init__(self) -> None:
        self.lists: dict[str, list[str]] = {}
        self.weights: dict[str, list[float]] = {}
        for name, phrases in {
            "subject": SUBJECTS,
            "verb": VERBS,
            "object": OBJECTS,
            "qualifier": QUALIFIERS,
            "opener": OPENERS,
            "outcome": OUTCOMES,
            "province": PROVINCES,
        }.items():
            self.lists[name] = [normalize(phrase) for phrase in phrases]
            self.weights[name] = _weights(len(phrases), 0.6 if name in ("province", "opener") else 0.9)

    def pick(self, rng: random.Random, name: str) -> str:
        return rng.choices(self.lists[name], cum_weights=self.weights[name])[0]

    def themed(self, rng: random.Random, topic: str) -> Words:
        """The words of a topic's theme: the objects that share a word with the topic's name, a few others, a
        few verbs and qualifiers, all about as likely; who speaks and the outcomes stay those of the sector."""
        theme = Words.__new__(Words)
        theme.lists, theme.weights = dict(self.lists), dict(self.weights)
        named = {word.lower() for word in words(topic)} - THEME_STOP_WORDS
        related = [phrase for phrase in self.lists["object"] if named & {word.lower() for word in words(phrase)}]
        others = [phrase for phrase in self.lists["object"] if phrase not in related]
        for name, chosen in (
            ("object", related[:8] + rng.sample(others, THEME_SIZE - min(len(related), 8))),
            ("verb", rng.sample(self.lists["verb"], THEME_SIZE)),
            ("qualifier", rng.sample(self.lists["qualifier"], THEME_SIZE)),
        ):
            theme.lists[name] = chosen
            theme.weights[name] = _weights(len(chosen), 0.3)
        return theme


def _sentence(rng: random.Random, words: Words, spoken: bool) -> str:
    """One sentence from a template; transcripts get the odd opener and are in lowercase like captions."""
    pick = words.pick
    shape = rng.random()
    if shape < 0.45:
        text = f"{pick(rng, 'subject')} {pick(rng, 'verb')} {pick(rng, 'object')} {pick(rng, 'qualifier')}"
    elif shape < 0.65:
        text = f"{pick(rng, 'subject')} cần {pick(rng, 'verb')} {pick(rng, 'object')} để {pick(rng, 'outcome')}"
    elif shape < 0.8:
        text = f"việc {pick(rng, 'verb')} {pick(rng, 'object')} {pick(rng, 'qualifier')} đã giúp {pick(rng, 'outcome')}"
    elif shape < 0.9:
        text = (
            f"tại Viện kiểm sát nhân dân tỉnh {pick(rng, 'province')}, {pick(rng, 'subject')} đã "
            f"{pick(rng, 'verb')} {pick(rng, 'object')}"
        )
    else:
        text = (
            f"năm {rng.randint(2015, 2026)} toàn ngành đã {pick(rng, 'verb')} {rng.randint(12, 4800)} "
            f"{pick(rng, 'object')}, đạt {rng.randint(70, 100)}%"
        )
    if spoken and rng.random() < 0.35:
        text = f"{pick(rng, 'opener')}, {text}"
    if spoken:
        return text
    return text[0].upper() + text[1:] + "."


@dataclass
class Facets:
    """The ids the corpus refers to: rows made in the database by `bench.search.make_facet_rows`."""

    topics: list[tuple[int, str]]  # (id, normalised name)
    units: list[tuple[int, str]]  # (id, normalised short name or name)
    fields: list[tuple[int, str]]
    group_seen: int  # the benchmark user belongs to this group...
    group_hidden: int  # ...and not to this one
    own_unit: int  # the benchmark user's unit: its unpublished write-ups are theirs to see


@dataclass
class Corpus:
    docs: list[SearchDoc] = field(default_factory=list)

    @property
    def windows(self) -> int:
        return sum(len(doc.moments) for doc in self.docs)

    def count(self, type_: str) -> int:
        return sum(1 for doc in self.docs if doc.type == type_)

    def words(self) -> int:
        """Words of text in every field (a rough size: spaces + 1)."""
        total = 0
        for doc in self.docs:
            for text in (doc.title, doc.summary, doc.body):
                total += text.count(" ") + 1 if text else 0
            total += sum(moment.text.count(" ") + 1 for moment in doc.moments)
        return total


def moment_counts(rng: random.Random, trainings: int, windows: int) -> list[int]:
    """How many windows each training has: about MOMENTS each, summing to exactly `windows`."""
    if trainings <= 0:
        return []
    low, high = MOMENTS
    mean = windows / trainings
    if not low <= mean <= high:  # a small or odd corpus: spread evenly around the mean instead
        low, high = max(1, int(mean * 0.6)), max(1, int(mean * 1.4) + 1)
    counts = [rng.randint(low, high) for _ in range(trainings)]
    difference = windows - sum(counts)
    step = 1 if difference > 0 else -1
    while difference:
        index = rng.randrange(trainings)
        if (step > 0 and counts[index] < high) or (step < 0 and counts[index] > max(low, 1)):
            counts[index] += step
            difference -= step
        elif all(count >= high for count in counts) or all(count <= max(low, 1) for count in counts):
            high, low = high + 1, max(1, low - 1)  # cannot fit the bounds: widen them
    return counts


def _day(rng: random.Random) -> datetime.date:
    # A little more recent content than old: the portal grows.
    span = (LAST_DAY - FIRST_DAY).days
    return FIRST_DAY + datetime.timedelta(days=int(span * (rng.random() ** 0.8)))


def _digest(doc: SearchDoc) -> str:
    head = f"{doc.key}|{doc.title}|{doc.date}|{doc.summary}|{len(doc.body)}|{len(doc.moments)}"
    return hashlib.sha1(head.encode(), usedforsecurity=False).hexdigest()


def _restrictions(rng: random.Random, facets: Facets) -> tuple[int, ...]:
    roll = rng.random()
    if roll < 0.04:
        return (facets.group_seen,)
    if roll < 0.07:
        return (facets.group_hidden,)
    if roll < 0.08:
        return (NOBODY,)
    return ()


def generate(docs: int, windows: int, facets: Facets, seed: int = SEED) -> Corpus:
    """`docs` SearchDocs (trainings, good practices, documents) with `windows` transcript windows in all."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    sector = Words()
    spoken = {0: [_sentence(rng, sector, spoken=True) for _ in range(SENTENCE_POOL)]}
    written = {0: [_sentence(rng, sector, spoken=False) for _ in range(SENTENCE_POOL // 2)]}
    for topic_id, name in facets.topics:
        theme = sector.themed(rng, name)
        spoken[topic_id] = [_sentence(rng, theme, spoken=True) for _ in range(THEME_POOL)]
        written[topic_id] = [_sentence(rng, theme, spoken=False) for _ in range(THEME_POOL // 2)]
    documents = round(docs * DOCUMENT_SHARE) if docs >= 20 else 0
    trainings = min(docs - documents, max(1, round(windows / sum(MOMENTS) * 2))) if windows else docs // 2
    practices = docs - documents - trainings
    counts = moment_counts(rng, trainings, windows)
    topic_weights = _weights(len(facets.topics), 0.7)
    unit_weights = _weights(len(facets.units), 0.5)
    people = [f"{family} {given}" for family in FAMILY_NAMES for given in GIVEN_NAMES]

    def sentences(pools: dict[int, list[str]], themes: tuple[tuple[int, str], ...], count: int) -> str:
        """`count` sentences, most of them on one of the document's topics."""
        themed = sum(1 for _ in range(count) if rng.random() < THEME_SHARE)
        chosen = rng.choices(pools[rng.choice(themes)[0]], k=themed) + rng.choices(pools[0], k=count - themed)
        rng.shuffle(chosen)
        return " ".join(chosen)

    def paragraph(themes: tuple[tuple[int, str], ...], low: int, high: int) -> str:
        return sentences(written, themes, rng.randint(low, high))

    def topics() -> tuple[tuple[int, str], ...]:
        chosen = rng.choices(facets.topics, cum_weights=topic_weights, k=rng.randint(1, 3))
        return tuple(sorted(dict.fromkeys(chosen)))

    def unit() -> tuple[int, str]:
        return rng.choices(facets.units, cum_weights=unit_weights)[0]

    corpus = Corpus()
    page_id = 1000
    owners: list[SearchDoc] = []
    for index in range(trainings):
        page_id += 1
        day = _day(rng)
        unit_id, unit_name = unit()
        themes = topics()
        subject = normalize(rng.choice(TRAINING_SUBJECTS))
        title = f"{normalize(rng.choice(TRAINING_KINDS))} {subject} năm {day.year}"
        if rng.random() < 0.3:
            title += f" tại {unit_name}"
        parts = rng.choice((1, 1, 1, 2, 2, 3))
        moments: list[Moment] = []
        per_part = -(-counts[index] // parts)
        start = 0.0
        for number in range(counts[index]):
            part, position = divmod(number, per_part)
            if position == 0:
                start = float(rng.randint(0, 20))  # a part starts with a little silence
            length = rng.randint(*WINDOW_SECONDS)
            # Speech at about 2.5 words a second: 4 to 6 sentences of some 15 words in 20-40 s.
            text = sentences(spoken, themes, 2 + length // 12 + rng.randint(0, 1))
            moments.append(Moment(part=part + 1, start=start, end=start + length, text=text))
            start += length
        speaker = f"{rng.choice(people)}, {rng.choice(('Kiểm sát viên', 'Giảng viên', 'Phó Vụ trưởng'))}"
        doc = SearchDoc(
            key=f"{TRAINING}:{page_id}",
            type=TRAINING,
            page_id=page_id,
            title=title,
            url=f"/tap-huan/bai-{page_id}/",
            date=day,
            summary=paragraph(themes, 1, 1),
            body=" ".join([paragraph(themes, 2, 5), normalize(speaker)]),
            topics=themes,
            unit_id=unit_id,
            unit_name=unit_name,
            groups=_restrictions(rng, facets),
            moments=tuple(moments),
        )
        corpus.docs.append(doc)
        owners.append(doc)
    for _ in range(practices):
        page_id += 1
        day = _day(rng)
        unit_id, unit_name = unit()
        field_id, field_name = rng.choice(facets.fields)
        live = rng.random() > 0.05
        if not live and rng.random() < 0.3:
            unit_id, unit_name = next(item for item in facets.units if item[0] == facets.own_unit)
        subject = normalize(rng.choice(TRAINING_SUBJECTS))
        themes = topics()
        doc = SearchDoc(
            key=f"{PRACTICE}:{page_id}",
            type=PRACTICE,
            page_id=page_id,
            title=f"{normalize(rng.choice(PRACTICE_OPENINGS))} {subject} của {unit_name}",
            url=f"/cach-lam-hay/bai-{page_id}/" if live else f"/cach-lam-hay/xem-truoc/{page_id}/",
            date=day,
            summary=paragraph(themes, 1, 2),
            body=" ".join([normalize(rng.choice(people)), *(paragraph(themes, 3, 8) for _ in range(4))]),
            topics=themes,
            unit_id=unit_id,
            unit_name=unit_name,
            field_id=field_id,
            field_name=field_name,
            live=live,
            groups=_restrictions(rng, facets) if live else (),
        )
        corpus.docs.append(doc)
        owners.append(doc)
    for number in range(documents):
        owner = rng.choice(owners)
        doc = SearchDoc(
            key=f"{DOCUMENT}:{owner.page_id}:{number + 1}",
            type=DOCUMENT,
            page_id=owner.page_id,
            title=f"{normalize(rng.choice(DOCUMENT_KINDS))} {normalize(rng.choice(TRAINING_SUBJECTS))}",
            url=f"/tai-lieu/{number + 1}/tai-lieu.pdf",
            date=owner.date,
            body=paragraph(owner.topics, 20, 80),
            topics=owner.topics,
            unit_id=owner.unit_id,
            unit_name=owner.unit_name,
            field_id=owner.field_id,
            field_name=owner.field_name,
            parent_title=owner.title,
            parent_url=owner.url,
            live=owner.live,
            groups=owner.groups,
        )
        corpus.docs.append(doc)
    rng.shuffle(corpus.docs)  # the sync task indexes what changed, in no particular order
    corpus.docs = [_with_digest(doc) for doc in corpus.docs]
    return corpus


def _with_digest(doc: SearchDoc) -> SearchDoc:
    return replace(doc, digest=_digest(doc))


def batches(docs: Sequence[SearchDoc], size: int) -> Iterator[Sequence[SearchDoc]]:
    for start in range(0, len(docs), size):
        yield docs[start : start + size]

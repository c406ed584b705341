"""The words of the demo's PDCA story: the quick-reference cards the rollout team prints for
the features people fail most (`uptake demo` seeds them, `pilots.story`).

The cards are what a trainer would hand out: a few short steps a clerk can follow at the till,
in English and in Simplified Chinese.
"""

from __future__ import annotations

from adoption.simulation.people import HARD_FEATURE

# action → locale → (title, steps). Ordered by how often the simulated chain fails them.
CARDS: dict[str, dict[str, tuple[str, list[str]]]] = {
    HARD_FEATURE: {
        "en": (
            "Exchange an item in 6 steps",
            [
                "Scan the receipt barcode, or search the sale by date and card.",
                "Choose Exchange (not Return) on the sale screen.",
                "Scan the item coming back and pick the reason.",
                "Scan the new item; the till shows the difference to pay or refund.",
                "Take or refund the difference on the customer's original payment.",
                "Print the exchange slip and put the returned item in the returns tote.",
            ],
        ),
        "zh": (
            "六步完成换货",
            [
                "扫描小票条码，或按日期和银行卡查找原销售。",
                "在销售界面选择“换货”（不是“退货”）。",
                "扫描顾客退回的商品并选择原因。",
                "扫描新商品；收银机会显示需补的差价或应退的金额。",
                "按顾客原支付方式收取或退还差价。",
                "打印换货单，把退回的商品放进退货箱。",
            ],
        ),
    },
    "returns.no_receipt": {
        "en": (
            "Return without a receipt",
            [
                "Ask for the card the customer paid with and search the sale by card.",
                "No sale found: check the item is ours (tag, barcode) and undamaged.",
                "Choose Return › No receipt and scan the item.",
                "Enter the customer's ID number when the till asks (over the limit).",
                "Refund as store credit only; give the customer the credit slip.",
            ],
        ),
        "zh": (
            "无小票退货",
            [
                "请顾客出示付款所用的银行卡，按卡号查找原销售。",
                "查不到销售记录：确认商品属于本店（吊牌、条码）且完好无损。",
                "选择“退货 › 无小票”，扫描商品。",
                "金额超过限额时，按提示输入顾客的证件号码。",
                "只能退为店内储值，把储值凭条交给顾客。",
            ],
        ),
    },
    "inventory.transfer": {
        "en": (
            "Transfer stock to another store",
            [
                "Open Stock › Transfers › New and choose the receiving store.",
                "Scan every item; check the count on screen matches the box.",
                "Seal the box and print the transfer label.",
                "Press Send: the stock leaves our count only now.",
            ],
        ),
        "zh": (
            "向其他门店调拨库存",
            [
                "打开“库存 › 调拨 › 新建”，选择收货门店。",
                "逐件扫描商品，核对屏幕数量与箱内一致。",
                "封箱并打印调拨标签。",
                "点击“发送”：此时库存才会从本店扣除。",
            ],
        ),
    },
    "pos.payment.split": {
        "en": (
            "Split a payment",
            [
                "Total the sale, then choose Split payment.",
                "Enter the first amount and take that payment.",
                "The till shows what is left: take the next payment the same way.",
                "Print one receipt: it lists every payment.",
            ],
        ),
        "zh": (
            "拆分付款",
            [
                "结算总额后选择“拆分付款”。",
                "输入第一笔金额并收款。",
                "收银机显示剩余金额：用同样方法收取下一笔。",
                "打印一张小票：上面列出每一笔付款。",
            ],
        ),
    },
}

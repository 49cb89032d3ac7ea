// Demo document types and documents for an empty database (the embedded default),
// modelled on ERPNext so the desk is useful at once.

interface SeedField {
  fieldname: string;
  label: string;
  fieldtype: string;
  options?: string;
}
export interface SeedDocType {
  name: string;
  module: string;
  isSubmittable?: boolean;
  isChild?: boolean;
  fields: SeedField[];
}

const f = (fieldname: string, label: string, fieldtype: string, options?: string): SeedField => ({
  fieldname,
  label,
  fieldtype,
  ...(options ? { options } : {}),
});

export const SEED_DOCTYPES: SeedDocType[] = [
  {
    name: "Quotation Item",
    module: "Selling",
    isChild: true,
    fields: [
      f("item_code", "Item Code", "Link", "Item"),
      f("item_name", "Item Name", "Data"),
      f("description", "Description", "Text Editor"),
      f("qty", "Quantity", "Float"),
      f("uom", "UOM", "Link", "UOM"),
      f("rate", "Rate", "Currency"),
      f("amount", "Amount", "Currency"),
      f("warehouse", "Warehouse", "Link", "Warehouse"),
    ],
  },
  {
    name: "Quotation",
    module: "Selling",
    isSubmittable: true,
    fields: [
      f("party_name", "Party", "Dynamic Link"),
      f("customer_name", "Customer Name", "Data"),
      f("transaction_date", "Date", "Date"),
      f("valid_till", "Valid Till", "Date"),
      f("status", "Status", "Select", "Draft\nOpen\nReplied\nOrdered\nLost\nCancelled\nExpired"),
      f("currency", "Currency", "Link", "Currency"),
      f("items", "Items", "Table", "Quotation Item"),
      f("total_qty", "Total Quantity", "Float"),
      f("total", "Total", "Currency"),
      f("grand_total", "Grand Total", "Currency"),
    ],
  },
  {
    name: "Sales Invoice Item",
    module: "Accounts",
    isChild: true,
    fields: [
      f("item_code", "Item", "Link", "Item"),
      f("qty", "Quantity", "Float"),
      f("rate", "Rate", "Currency"),
      f("amount", "Amount", "Currency"),
    ],
  },
  {
    name: "Sales Invoice",
    module: "Accounts",
    isSubmittable: true,
    fields: [
      f("customer", "Customer", "Link", "Customer"),
      f("posting_date", "Date", "Date"),
      f("due_date", "Payment Due Date", "Date"),
      f("status", "Status", "Select", "Draft\nUnpaid\nPaid\nOverdue\nCancelled"),
      f("items", "Items", "Table", "Sales Invoice Item"),
      f("total", "Total", "Currency"),
      f("grand_total", "Grand Total", "Currency"),
      f("outstanding_amount", "Outstanding Amount", "Currency"),
    ],
  },
  {
    name: "Customer",
    module: "Selling",
    fields: [
      f("customer_name", "Customer Name", "Data"),
      f("customer_type", "Customer Type", "Select", "Company\nIndividual"),
      f("customer_group", "Customer Group", "Link", "Customer Group"),
      f("territory", "Territory", "Link", "Territory"),
      f("email_id", "Email Id", "Data"),
      f("mobile_no", "Mobile No", "Data"),
      f("disabled", "Disabled", "Check"),
    ],
  },
  {
    name: "Note",
    module: "Desk",
    fields: [
      f("title", "Title", "Data"),
      f("public", "Public", "Check"),
      f("notify_on_login", "Notify Users On Every Login", "Check"),
      f("content", "Content", "Text Editor"),
    ],
  },
  {
    name: "ToDo",
    module: "Desk",
    fields: [
      f("status", "Status", "Select", "Open\nClosed\nCancelled"),
      f("priority", "Priority", "Select", "High\nMedium\nLow"),
      f("date", "Due Date", "Date"),
      f("allocated_to", "Allocated To", "Link", "User"),
      f("description", "Description", "Text Editor"),
      f("reference_type", "Reference Type", "Link", "DocType"),
      f("reference_name", "Reference Name", "Dynamic Link", "reference_type"),
    ],
  },
];

const base = (doctype: string, name: string, extra: Record<string, unknown>) => ({
  name,
  doctype,
  owner: "Administrator",
  creation: "2026-11-02 09:14:03.120000",
  modified: "2026-11-20 16:41:27.503211",
  modified_by: "Administrator",
  docstatus: 0,
  ...extra,
});

const quotationItem = (parent: string, idx: number, code: string, qty: number, rate: number) => ({
  name: `${parent}-ITEM-${idx}`,
  doctype: "Quotation Item",
  parent,
  parentfield: "items",
  parenttype: "Quotation",
  idx,
  item_code: code,
  item_name: code,
  description: code,
  qty,
  uom: "Unit",
  rate,
  amount: qty * rate,
  warehouse: "Finished Goods - R",
});

export const SEED_DOCUMENTS: Record<string, unknown>[] = [
  base("Quotation", "QTN-00001", {
    party_name: "Acme Corporation",
    customer_name: "Acme Corporation",
    transaction_date: "2026-11-02",
    valid_till: "2026-12-02",
    status: "Open",
    currency: "USD",
    items: [quotationItem("QTN-00001", 1, "I1", 1, 1)],
    total_qty: 1,
    total: 1,
    grand_total: 1,
  }),
  base("Quotation", "QTN-00002", {
    party_name: "Globex Ltd",
    customer_name: "Globex Ltd",
    transaction_date: "2026-11-10",
    valid_till: "2026-12-10",
    status: "Draft",
    currency: "USD",
    items: [
      quotationItem("QTN-00002", 1, "LAPTOP-14", 10, 1200),
      quotationItem("QTN-00002", 2, "DOCK-USB-C", 10, 180),
      quotationItem("QTN-00002", 3, "MONITOR-27", 10, 2250),
    ],
    total_qty: 30,
    total: 36300,
    grand_total: 36300,
  }),
  base("Quotation", "QTN-00003", {
    party_name: "Initech",
    customer_name: "Initech",
    transaction_date: "2026-11-18",
    valid_till: "2026-12-18",
    status: "Open",
    currency: "USD",
    items: [quotationItem("QTN-00003", 1, "SERVER-RACK", 2, 24500)],
    total_qty: 2,
    total: 49000,
    grand_total: 49000,
  }),
  base("Sales Invoice", "ACC-SINV-2026-00001", {
    customer: "Acme Corporation",
    posting_date: "2026-11-05",
    due_date: "2026-12-05",
    status: "Unpaid",
    docstatus: 1,
    items: [
      {
        name: "SINV-ITEM-1",
        doctype: "Sales Invoice Item",
        parent: "ACC-SINV-2026-00001",
        parentfield: "items",
        parenttype: "Sales Invoice",
        idx: 1,
        item_code: "I1",
        qty: 5,
        rate: 100,
        amount: 500,
      },
    ],
    total: 500,
    grand_total: 500,
    outstanding_amount: 500,
  }),
  base("Sales Invoice", "ACC-SINV-2026-00002", {
    customer: "Globex Ltd",
    posting_date: "2026-11-12",
    due_date: "2026-11-22",
    status: "Paid",
    docstatus: 1,
    items: [
      {
        name: "SINV-ITEM-2",
        doctype: "Sales Invoice Item",
        parent: "ACC-SINV-2026-00002",
        parentfield: "items",
        parenttype: "Sales Invoice",
        idx: 1,
        item_code: "LAPTOP-14",
        qty: 2,
        rate: 1200,
        amount: 2400,
      },
    ],
    total: 2400,
    grand_total: 2400,
    outstanding_amount: 0,
  }),
  base("Customer", "Acme Corporation", {
    customer_name: "Acme Corporation",
    customer_type: "Company",
    customer_group: "Commercial",
    territory: "United States",
    email_id: "ap@acme.example",
    disabled: 0,
  }),
  base("Customer", "Globex Ltd", {
    customer_name: "Globex Ltd",
    customer_type: "Company",
    customer_group: "Commercial",
    territory: "United Kingdom",
    email_id: "finance@globex.example",
    disabled: 0,
  }),
  base("Customer", "Initech", {
    customer_name: "Initech",
    customer_type: "Company",
    customer_group: "Commercial",
    territory: "United States",
    email_id: "billing@initech.example",
    disabled: 0,
  }),
  base("Note", "Quarterly targets", {
    title: "Quarterly targets",
    public: 1,
    notify_on_login: 0,
    content: "<p>Close 12 deals this quarter.</p>",
  }),
  base("Note", "Holiday schedule", {
    title: "Holiday schedule",
    public: 1,
    notify_on_login: 1,
    content: "<p>Office closed Dec 24–26.</p>",
  }),
  base("ToDo", "TD-0001", {
    status: "Open",
    priority: "High",
    date: "2026-11-25",
    allocated_to: "Administrator",
    description: "Follow up on QTN-00002",
    reference_type: "Quotation",
    reference_name: "QTN-00002",
  }),
  base("ToDo", "TD-0002", {
    status: "Closed",
    priority: "Low",
    date: "2026-11-15",
    allocated_to: "Administrator",
    description: "Send welcome kit to Initech",
  }),
];

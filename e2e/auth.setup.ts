import { expect, test as setup } from "@playwright/test";
import { ADMIN_PASSWORD, login } from "./helpers";

// Signs in through the UI once; the other projects reuse the stored session.
setup("sign in as Administrator", async ({ page }) => {
  await login(page, "Administrator", ADMIN_PASSWORD);
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByTestId("current-user")).toHaveText("Administrator");
  await page.context().storageState({ path: "e2e/.auth/admin.json" });
});
